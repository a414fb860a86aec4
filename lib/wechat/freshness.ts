// The freshness window of what WeChat signs for us: the `timestamp` query parameter of a push (event
// URL) or message (message URL) enters msg_signature, so a correctly signed request is still a
// replay when that timestamp is far from our clock. WeChat stamps each delivery with real time.

/** Why `timestamp` is refused, or null when it lies within `windowSeconds` of `now`, either way. */
export function staleTimestampReason({
  timestamp,
  now,
  windowSeconds,
}: {
  timestamp: string;
  now: Date;
  windowSeconds: number;
}): string | null {
  if (!/^\d{1,12}$/.test(timestamp)) return "timestamp is not unix seconds";
  const offsetSeconds = Number(timestamp) - Math.floor(now.getTime() / 1000);
  if (Math.abs(offsetSeconds) <= windowSeconds) return null;
  const where = offsetSeconds < 0 ? `${-offsetSeconds} s old` : `${offsetSeconds} s in the future`;
  return `signed timestamp is ${where}; only ${windowSeconds} s either way are accepted (a replay, or a wrong clock)`;
}
