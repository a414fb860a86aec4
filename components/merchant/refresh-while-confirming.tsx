"use client";
// The result page when WeChat's answer is still being recorded: re-render from the server every
// few seconds for a while, then leave the page as it is (it says what to do).
import { useRouter } from "next/navigation";
import { useEffect } from "react";

const INTERVAL_MS = 2_000;
const MAX_REFRESHES = 15;

export function RefreshWhileConfirming() {
  const router = useRouter();
  useEffect(() => {
    let count = 0;
    const timer = setInterval(() => {
      count += 1;
      if (count > MAX_REFRESHES) return clearInterval(timer);
      router.refresh();
    }, INTERVAL_MS);
    return () => clearInterval(timer);
  }, [router]);
  return null;
}
