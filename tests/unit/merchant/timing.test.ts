import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_LIFETIME_MS, formatCountdown, getCodeTiming, isRenewalDue, renewLeadMs } from "@/lib/merchant/timing";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe("pre_auth_code timing", () => {
  it("renews 60 s ahead of WeChat's 600 s codes, and 15% ahead of short (fast-clock) ones", () => {
    expect(renewLeadMs(600_000)).toBe(60_000);
    expect(renewLeadMs(30_000)).toBe(4_500);
    expect(renewLeadMs(1_000)).toBe(150);
  });

  it("measures the lifetime from the issue time, and falls back to 600 s when it cannot tell", () => {
    expect(getCodeTiming({ issuedAt: at(0), expiresAt: at(600_000) })).toEqual({
      expiresAt: at(600_000),
      lifetimeMs: 600_000,
      renewAt: at(540_000),
    });
    expect(getCodeTiming({ issuedAt: at(0), expiresAt: at(30_000) }).renewAt).toEqual(at(25_500));
    // A row written after issue (say by another update) would give a negative or absurd lifetime.
    expect(getCodeTiming({ issuedAt: at(700_000), expiresAt: at(600_000) }).lifetimeMs).toBe(DEFAULT_CODE_LIFETIME_MS);
    expect(getCodeTiming({ issuedAt: at(0), expiresAt: at(86_400_000) }).lifetimeMs).toBe(DEFAULT_CODE_LIFETIME_MS);
  });

  it("is due for the page from the renewal moment (with 2 s slack), for the phone from half-life", () => {
    const timing = getCodeTiming({ issuedAt: at(0), expiresAt: at(600_000) });
    expect(isRenewalDue({ timing, now: at(537_000), purpose: "page" })).toBe(false);
    expect(isRenewalDue({ timing, now: at(538_000), purpose: "page" })).toBe(true);
    expect(isRenewalDue({ timing, now: at(700_000), purpose: "page" })).toBe(true);
    expect(isRenewalDue({ timing, now: at(299_000), purpose: "phone" })).toBe(false);
    expect(isRenewalDue({ timing, now: at(301_000), purpose: "phone" })).toBe(true);
  });

  it("formats the countdown as mm:ss, rounding up and never below zero", () => {
    expect(formatCountdown(600_000)).toBe("10:00");
    expect(formatCountdown(59_001)).toBe("01:00");
    expect(formatCountdown(5_000)).toBe("00:05");
    expect(formatCountdown(-3_000)).toBe("00:00");
  });
});
