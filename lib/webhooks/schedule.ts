// When a failed delivery is tried again: quickly at first (a receiver restarting), then further
// apart, for a little over two days in all, each delay spread by ±10% so a backlog does not return in
// lockstep. Past the last one the delivery has failed; staff may still redeliver it.

export const RETRY_DELAYS_MS = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
  4 * 60 * 60_000,
  8 * 60 * 60_000,
  12 * 60 * 60_000,
  12 * 60 * 60_000,
  12 * 60 * 60_000,
] as const;

/** The whole schedule: at least 24 hours, as Standard Webhooks receivers are promised. */
export const RETRY_WINDOW_MS = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);

/** When attempt `attempts + 1` is due after attempt `attempts` failed at `now`; null: no more. */
export function nextAttemptAt({
  attempts,
  now,
  random = Math.random,
}: {
  attempts: number;
  now: Date;
  random?: () => number;
}): Date | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  if (delay === undefined) return null;
  return new Date(now.getTime() + Math.round(delay * (0.9 + 0.2 * random())));
}
