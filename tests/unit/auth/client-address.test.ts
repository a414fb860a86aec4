// Which address a request came from: only the X-Forwarded-For entries our own proxies appended count
// (TRUSTED_PROXY_HOPS), so a client cannot pick its own address to dodge throttling or blur the audit.
import { describe, expect, it } from "vitest";
import { getClientAddress, normalizeAddress } from "@/lib/client-address";
import { parseEnv } from "@/lib/env";

const from = (forwardedFor: string | null, trustedHops: number) =>
  getClientAddress(new Headers(forwardedFor === null ? {} : { "x-forwarded-for": forwardedFor }), { trustedHops });

describe("client address", () => {
  it("with no trusted proxy (the default), is the socket's address: the one entry Next.js writes", () => {
    // proxy.ts drops a client's own header first (tests/unit/auth/proxy.test.ts), so this is the socket's.
    expect(from("203.0.113.7", 0)).toBe("203.0.113.7");
    expect(from("::ffff:127.0.0.1", 0)).toBe("127.0.0.1");
    expect(from(null, 0)).toBe("unknown");
  });

  it("behind one proxy, is the entry it appended, whatever the client put before it", () => {
    expect(from("203.0.113.7", 1)).toBe("203.0.113.7");
    expect(from("1.1.1.1, 2.2.2.2, 203.0.113.7", 1)).toBe("203.0.113.7");
  });

  it("behind two (a CDN, then a load balancer), is the second from the right", () => {
    expect(from("6.6.6.6, 203.0.113.7, 198.51.100.2", 2)).toBe("203.0.113.7");
    // A request that reached the load balancer directly: the one entry it wrote.
    expect(from("203.0.113.7", 2)).toBe("203.0.113.7");
  });

  it("never stores what is not an address (too long for the audit log, or junk)", () => {
    expect(from(`${"a".repeat(100)}`, 1)).toBe("unknown");
    expect(from("1.1.1.1, <script>", 1)).toBe("unknown");
    expect(normalizeAddress("x".repeat(65))).toBe("unknown");
  });

  it("reads the forms proxies write: ports, brackets, mapped IPv4, upper-case IPv6", () => {
    expect(normalizeAddress("203.0.113.7:51234")).toBe("203.0.113.7");
    expect(normalizeAddress("[2001:DB8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("2001:DB8::1")).toBe("2001:db8::1");
    expect(normalizeAddress("::FFFF:10.0.0.1")).toBe("10.0.0.1");
  });

  it("is configured by TRUSTED_PROXY_HOPS, 0 unless set", () => {
    // The test's own data folder and keys: nothing is generated into the developer's .data/.
    const base = {
      DATA_DIR: process.env.DATA_DIR,
      AUTH_SECRET: process.env.AUTH_SECRET,
      TOKEN_ENCRYPTION_KEY: process.env.TOKEN_ENCRYPTION_KEY,
    };
    expect(parseEnv(base).trustedProxyHops).toBe(0);
    expect(parseEnv({ ...base, TRUSTED_PROXY_HOPS: "2" }).trustedProxyHops).toBe(2);
    expect(() => parseEnv({ ...base, TRUSTED_PROXY_HOPS: "-1" })).toThrow(/TRUSTED_PROXY_HOPS/);
    expect(() => parseEnv({ ...base, TRUSTED_PROXY_HOPS: "one" })).toThrow(/TRUSTED_PROXY_HOPS/);
  });
});
