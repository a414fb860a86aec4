"use client";
// The PC page's live state: polls the attempt (every 2 s, paused while the tab is hidden, at once
// when it comes back), counts down the time the QR code is offered, opens WeChat's PC page on
// request (the server hands out a pre_auth_code only then), cancels on request. Deadlines are kept
// relative to when each answer arrived, so a wrong clock on the merchant's computer does not matter.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { PublicAttempt } from "@/lib/merchant/types";

export const POLL_INTERVAL_MS = 2_000;

/** idle; opening: asking for a code for WeChat's PC page; failed: WeChat could not give one just now. */
export type OpenState = "idle" | "opening" | "failed";

const TERMINAL = new Set(["completed", "failed", "cancelled", "expired"]);

export const isTerminal = (attempt: PublicAttempt) => TERMINAL.has(attempt.status);

function readAttempt(body: unknown): PublicAttempt | null {
  if (typeof body !== "object" || body === null) return null;
  const candidate = "attempt" in body ? (body as { attempt: unknown }).attempt : body;
  if (typeof candidate !== "object" || candidate === null) return null;
  const { id, status } = candidate as Partial<PublicAttempt>;
  return typeof id === "string" && typeof status === "string" ? (candidate as PublicAttempt) : null;
}

async function send(url: string, method: "GET" | "POST"): Promise<{ status: number; attempt: PublicAttempt | null }> {
  const response = await fetch(url, { method, cache: "no-store", headers: { accept: "application/json" } });
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status, attempt: readAttempt(body) };
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener("visibilitychange", onChange);
  return () => document.removeEventListener("visibilitychange", onChange);
}

const isPageVisible = () => document.visibilityState === "visible";

export function useAttemptLive(initial: PublicAttempt) {
  const id = initial.id;
  const base = `/api/authorize/attempts/${encodeURIComponent(id)}`;
  // `at` stays null until the page is live in the browser: the server's render and the first
  // client render must show the same countdown.
  const [snapshot, setSnapshot] = useState<{ attempt: PublicAttempt; at: number | null }>({ attempt: initial, at: null });
  const [now, setNow] = useState<number | null>(null);
  const visible = useSyncExternalStore(subscribeVisibility, isPageVisible, () => true);
  const [opening, setOpening] = useState<OpenState>("idle");
  const [offline, setOffline] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const pollFailures = useRef(0);

  const accept = useCallback((attempt: PublicAttempt) => {
    setSnapshot({ attempt, at: Date.now() });
  }, []);

  const attempt = snapshot.attempt;
  const terminal = isTerminal(attempt);

  useEffect(() => {
    const start = setTimeout(() => {
      const at = Date.now();
      setSnapshot((current) => (current.at === null ? { ...current, at } : current));
    }, 0);
    return () => clearTimeout(start);
  }, []);

  // Polling: the phone may finish the authorization at any moment.
  const firstPoll = useRef(true);
  useEffect(() => {
    if (terminal || !visible) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const { status, attempt: latest } = await send(base, "GET");
        if (stopped) return;
        if (latest) accept(latest);
        pollFailures.current = status >= 500 ? pollFailures.current + 1 : 0;
      } catch {
        pollFailures.current += 1;
      }
      if (stopped) return;
      setOffline(pollFailures.current >= 2);
      timer = setTimeout(poll, POLL_INTERVAL_MS);
    };
    // Coming back to the tab: ask at once. On first load the server's answer is fresh already.
    timer = setTimeout(poll, firstPoll.current ? POLL_INTERVAL_MS : 0);
    firstPoll.current = false;
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [base, terminal, visible, accept]);

  // The countdown's clock.
  useEffect(() => {
    if (terminal || !visible) return;
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [terminal, visible]);

  // Back from WeChat's page (the browser may restore this page as it was): the button works again.
  useEffect(() => {
    const reset = () => setOpening("idle");
    window.addEventListener("pageshow", reset);
    return () => window.removeEventListener("pageshow", reset);
  }, []);

  /** The button to WeChat's PC page: a code with time left, then WeChat's page in this tab. */
  const openPc = useCallback(async () => {
    if (opening === "opening") return;
    setOpening("opening");
    try {
      const { status, attempt: latest } = await send(`${base}/renew`, "POST");
      if (latest) accept(latest);
      if (status === 200 && latest?.links) {
        window.location.assign(latest.links.pc);
        return;
      }
      // 409: no longer pending; the page shows how it ended.
      setOpening(status === 409 ? "idle" : "failed");
    } catch {
      setOpening("failed");
    }
  }, [base, accept, opening]);

  const cancel = useCallback(async () => {
    setCancelling(true);
    try {
      const { attempt: latest } = await send(`${base}/cancel`, "POST");
      if (latest) accept(latest);
    } catch {
      setOffline(true);
    } finally {
      setCancelling(false);
    }
  }, [base, accept]);

  const remainingMs = snapshot.at === null || now === null ? attempt.expiresInMs : Math.max(0, snapshot.at + attempt.expiresInMs - now);
  // The countdown reaching zero ends the attempt here too, without waiting for the next answer.
  const shown: PublicAttempt =
    attempt.status === "pending" && snapshot.at !== null && now !== null && remainingMs <= 0
      ? { ...attempt, status: "expired", links: null }
      : attempt;

  return { attempt: shown, remainingMs, opening, offline, cancelling, openPc, cancel };
}
