// The sandbox's sense of time. Every WeChat lifetime (tokens, codes, tickets, quota days) is expressed in
// WeChat seconds and shrunk by the speed factor, so a test sees a 7200 s token expire in seconds while the
// numbers on the wire keep WeChat's meaning once scaled back.

export type Clock = {
  /** Milliseconds on the sandbox's own timeline (real time plus any manual advance). */
  now(): number;
  /** How many real milliseconds a WeChat lifetime of `seconds` lasts. */
  lifetimeMs(seconds: number): number;
  /** The `expires_in` to report for a WeChat lifetime, so a client trusting it sees the same world. */
  expiresIn(seconds: number): number;
  /** Jump forward by `seconds` of WeChat time (control API), without waiting. */
  advance(seconds: number): void;
  readonly speed: number;
  /** How far the timeline is ahead of real time (the sum of every advance), saved with the state file. */
  readonly offsetMs: number;
};

export function createClock({ speed, offsetMs = 0, onAdvance }: { speed: number; offsetMs?: number; onAdvance?: () => void }): Clock {
  if (!(speed > 0)) throw new Error(`clock speed must be > 0, got ${speed}`);
  let offset = offsetMs;
  return {
    speed,
    get offsetMs() {
      return offset;
    },
    now: () => Date.now() + offset,
    lifetimeMs: (seconds) => (seconds * 1000) / speed,
    expiresIn: (seconds) => Math.max(1, Math.ceil(seconds / speed)),
    advance: (seconds) => {
      offset += (seconds * 1000) / speed;
      onAdvance?.();
    },
  };
}

/** Unix seconds on the wire (CreateTime, timestamp, auth_time): always real time, receivers check freshness. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
