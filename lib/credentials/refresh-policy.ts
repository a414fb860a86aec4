// When a credential is refreshed ahead of its expiry: 15% of the lifetime WeChat gave, at most 10
// minutes early (a 7200 s token is refreshed at 1h50m). Proportional so a sandbox with a fast clock
// (a 12 s token) behaves like WeChat's real one.
const MAX_AHEAD_MS = 10 * 60 * 1000;

export function lifetimeTimes({ now = new Date(), expiresInSeconds }: { now?: Date; expiresInSeconds: number }): {
  expiresAt: Date;
  refreshAt: Date;
} {
  const lifetimeMs = Math.max(1, expiresInSeconds) * 1000;
  const ahead = Math.min(MAX_AHEAD_MS, lifetimeMs * 0.15);
  return { expiresAt: new Date(now.getTime() + lifetimeMs), refreshAt: new Date(now.getTime() + lifetimeMs - ahead) };
}

/** Usable now (not expired, with a second of slack for the request that will carry it). */
export const isUsable = (expiresAt: Date | null, now = new Date()) => !!expiresAt && expiresAt.getTime() - 1000 > now.getTime();

export const isDue = (refreshAt: Date | null, now = new Date()) => !refreshAt || refreshAt.getTime() <= now.getTime();
