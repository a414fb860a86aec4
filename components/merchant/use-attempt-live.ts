"use client";
// The PC page's live state: polls the attempt (every 2 s, paused while the tab is hidden, at once
// when it comes back), renews the pre_auth_code shortly before it lapses, cancels on request.
// Deadlines are kept relative to when each answer arrived, so a wrong clock on the merchant's
// computer does not matter.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { PublicAttempt } from "@/lib/merchant/types";

export const POLL_INTERVAL_MS = 2_000;
/** Unattended, a visible tab renews this many times (about an hour of WeChat's 10-minute codes), then waits for a click. */
export const MAX_AUTO_RENEWALS = 6;
const RETRY_DELAYS_MS = [3_000, 6_000, 12_000, 30_000];

export type RenewalState = "idle" | "renewing" | "failed" | "paused";

/** live: the code works; updating: it lapsed and a new one is on its way; dead: it lapsed and none is coming by itself. */
export type CodeState = "live" | "updating" | "dead";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

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
  const [renewal, setRenewal] = useState<RenewalState>("idle");
  const [offline, setOffline] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const autoRenewals = useRef(0);
  const renewFailures = useRef(0);
  const retryAt = useRef(0);
  const renewing = useRef(false);
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

  const renew = useCallback(async () => {
    if (renewing.current) return;
    renewing.current = true;
    setRenewal("renewing");
    try {
      const { status, attempt: latest } = await send(`${base}/renew`, "POST");
      if (latest) accept(latest);
      if (status === 200 || status === 409) {
        renewFailures.current = 0;
        setRenewal("idle");
        return;
      }
      throw new Error(`renew answered ${status}`);
    } catch {
      const delay = RETRY_DELAYS_MS[Math.min(renewFailures.current, RETRY_DELAYS_MS.length - 1)] ?? 30_000;
      renewFailures.current += 1;
      retryAt.current = Date.now() + delay;
      setRenewal("failed");
    } finally {
      renewing.current = false;
    }
  }, [base, accept]);

  // Renewal: shortly before the code lapses (renewInMs), or at once when the server says it lapsed.
  useEffect(() => {
    if (terminal || !visible || snapshot.at === null || now === null) return;
    if (renewing.current || renewal === "paused") return;
    const due = attempt.status === "expired" || now >= snapshot.at + attempt.renewInMs;
    if (!due) return;
    if (renewal === "failed" && now < retryAt.current) return;
    if (autoRenewals.current >= MAX_AUTO_RENEWALS) {
      setRenewal("paused");
      return;
    }
    autoRenewals.current += 1;
    void renew();
  }, [now, snapshot, attempt, terminal, visible, renewal, renew]);

  /** The merchant asks for a new code (after a pause or a failure). */
  const refresh = useCallback(() => {
    autoRenewals.current = 0;
    renewFailures.current = 0;
    void renew();
  }, [renew]);

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
  const lapsed = attempt.status === "expired" || remainingMs <= 0;
  const codeState: CodeState = !lapsed ? "live" : renewal === "failed" || renewal === "paused" ? "dead" : "updating";

  return { attempt, remainingMs, codeState, renewal, offline, cancelling, refresh, cancel };
}
