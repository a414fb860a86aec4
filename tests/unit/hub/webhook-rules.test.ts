// Where webhooks may go, and when they are retried.
import { describe, expect, it } from "vitest";
import { checkEndpointUrl, isNonPublicAddress } from "@/lib/webhooks/url-policy";
import { nextAttemptAt, RETRY_DELAYS_MS, RETRY_WINDOW_MS } from "@/lib/webhooks/schedule";

describe("endpoint URLs", () => {
  const strict = { allowPrivate: false };
  it("takes https on public hosts", () => {
    expect(checkEndpointUrl("https://hooks.example.com/wechat?x=1", strict)).toMatchObject({ ok: true });
    expect(checkEndpointUrl("https://203.0.113.9/hooks", strict)).toMatchObject({ ok: false });
    expect(checkEndpointUrl("https://8.8.8.8/hooks", strict)).toMatchObject({ ok: true });
  });
  it.each([
    ["http://hooks.example.com/", "must be https"],
    ["https://localhost/hooks", "public host"],
    ["https://127.0.0.1/hooks", "public host"],
    ["https://[::1]/hooks", "public host"],
    ["https://10.1.2.3/hooks", "public host"],
    ["https://192.168.0.10/hooks", "public host"],
    ["https://169.254.169.254/latest", "public host"],
    ["https://metadata.internal/", "public host"],
    ["https://intranet/", "public host"],
    ["https://user:pass@hooks.example.com/", "user name or password"],
    ["ftp://hooks.example.com/", "must be https"],
    ["hooks.example.com/webhooks", "absolute URL"],
  ])("refuses %s", (url, reason) => {
    const verdict = checkEndpointUrl(url, strict);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });
  it("lets http and loopback through when private webhooks are allowed", () => {
    expect(checkEndpointUrl("http://127.0.0.1:4000/hooks", { allowPrivate: true })).toMatchObject({ ok: true });
    expect(checkEndpointUrl("ftp://127.0.0.1/", { allowPrivate: true })).toMatchObject({ ok: false });
  });
  it("classifies addresses", () => {
    expect(isNonPublicAddress("100.64.0.1")).toBe(true);
    expect(isNonPublicAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isNonPublicAddress("1.1.1.1")).toBe(false);
    expect(isNonPublicAddress("not an address")).toBe(true);
  });
});

describe("retry schedule", () => {
  it("spans more than 24 hours and then stops", () => {
    expect(RETRY_WINDOW_MS).toBeGreaterThan(24 * 3_600_000);
    const now = new Date("2026-12-01T00:00:00Z");
    expect(nextAttemptAt({ attempts: 1, now, random: () => 0.5 })!.getTime() - now.getTime()).toBe(RETRY_DELAYS_MS[0]);
    expect(nextAttemptAt({ attempts: RETRY_DELAYS_MS.length + 1, now })).toBeNull();
    // Spread by ±10%.
    expect(nextAttemptAt({ attempts: 2, now, random: () => 0 })!.getTime() - now.getTime()).toBe(27_000);
    expect(nextAttemptAt({ attempts: 2, now, random: () => 1 })!.getTime() - now.getTime()).toBe(33_000);
  });
});
