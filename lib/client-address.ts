// The address a request came from, for throttling and the audit log (sign-in, attempts, console).
// X-Forwarded-For is whatever the client sent, followed by one entry per proxy it went through: only
// the entries our own proxies appended can be believed, so TRUSTED_PROXY_HOPS says how many there are
// and the address is the one the outermost of them saw (the Nth from the right).
//
// With 0 hops the address is the socket's. `next start` passes it in X-Forwarded-For only when the
// request had none, so proxy.ts drops a client's own X-Forwarded-For before Next.js fills it in.
import { isIP } from "node:net";
import { getEnv } from "./env";

export const UNKNOWN_ADDRESS = "unknown";

export function getClientAddress(headers: Headers, { trustedHops = getEnv().trustedProxyHops }: { trustedHops?: number } = {}): string {
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  // 0 hops: the only entry left is the socket's. A shorter chain than configured (a request that
  // skipped the outer proxy) is read from its first entry, which the nearest trusted proxy wrote.
  const entry = trustedHops === 0 ? entries.at(-1) : (entries.at(-trustedHops) ?? entries[0]);
  return entry ? normalizeAddress(entry) : UNKNOWN_ADDRESS;
}

/** An IP address as the audit log and the throttle keys store it, or "unknown" for anything else. */
export function normalizeAddress(value: string): string {
  let address = value.trim();
  // [v6]:port and v4:port, as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  if (!isIP(address)) return UNKNOWN_ADDRESS;
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}
