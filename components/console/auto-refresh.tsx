"use client";
// Re-renders the server page every few seconds while the tab is visible, so a revocation pushed by
// WeChat (or an attempt completed on a phone) shows without a reload. Hidden tabs do not poll.
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function AutoRefresh({ seconds }: { seconds: number }) {
  const router = useRouter();
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer || document.visibilityState !== "visible") return;
      timer = setInterval(() => router.refresh(), seconds * 1000);
    };
    const stop = () => {
      clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState !== "visible") return stop();
      // Coming back to the tab: catch up at once, then keep polling.
      router.refresh();
      start();
    };
    start();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [router, seconds]);
  return null;
}
