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

  it("replaces a code past half its life before it is handed over, and a short-lived one near its end", () => {
    const timing = getCodeTiming({ issuedAt: at(0), expiresAt: at(600_000) });
    expect(isRenewalDue({ timing, now: at(0) })).toBe(false);
    expect(isRenewalDue({ timing, now: at(299_000) })).toBe(false);
    expect(isRenewalDue({ timing, now: at(301_000) })).toBe(true);
    expect(isRenewalDue({ timing, now: at(700_000) })).toBe(true);
    const fast = getCodeTiming({ issuedAt: at(0), expiresAt: at(30_000) });
    expect(isRenewalDue({ timing: fast, now: at(14_000) })).toBe(false);
    expect(isRenewalDue({ timing: fast, now: at(16_000) })).toBe(true);
  });

  it("formats the countdown as mm:ss, rounding up and never below zero", () => {
    expect(formatCountdown(600_000)).toBe("10:00");
    expect(formatCountdown(59_001)).toBe("01:00");
    expect(formatCountdown(5_000)).toBe("00:05");
    expect(formatCountdown(-3_000)).toBe("00:00");
  });
});
