import { describe, expect, it } from "vitest";
import { getAccountKindKey, getRequestedAccountTypes, isVerified } from "@/lib/merchant/account-kind";
import { getClientAddress } from "@/lib/client-address";
import { getProblemKey, RETRYABLE } from "@/lib/merchant/problems";
import { isMobileBrowser, isWeChatBrowser } from "@/lib/merchant/user-agent";
import en from "@/messages/en.json";
import zh from "@/messages/zh-CN.json";

describe("how accounts and problems are named", () => {
  it("describes an account the way WeChat does", () => {
    expect(getAccountKindKey({ accountType: "official_account", serviceType: 2 })).toBe("service_account");
    expect(getAccountKindKey({ accountType: "official_account", serviceType: 0 })).toBe("subscription_account");
    expect(getAccountKindKey({ accountType: "official_account", serviceType: 1 })).toBe("subscription_account");
    expect(getAccountKindKey({ accountType: "official_account", serviceType: null })).toBe("account");
    expect(getAccountKindKey({ accountType: "mini_program", serviceType: 0 })).toBe("mini_program");
    expect(getAccountKindKey({ accountType: "unknown", serviceType: null })).toBe("account");
    expect([isVerified(-1), isVerified(0), isVerified(3), isVerified(null)]).toEqual([false, true, true, null]);
  });

  it("lists the kinds of account each auth_type offers", () => {
    expect(getRequestedAccountTypes(1)).toEqual(["official_account"]);
    expect(getRequestedAccountTypes(3)).toEqual(["official_account", "mini_program"]);
    expect(getRequestedAccountTypes(6)).toEqual(["official_account", "mini_program", "channels"]);
  });

  it("maps every ending to one problem, WeChat's 61010 to a timeout", () => {
    expect(getProblemKey({ problem: "code_rejected", errcode: 61010 })).toBe("code_expired");
    expect(getProblemKey({ problem: "code_rejected", errcode: 61009 })).toBe("code_invalid");
    expect(getProblemKey({ problem: "failed", failure: { reason: "code_rejected", errcode: 61010 } })).toBe("code_expired");
    expect(getProblemKey({ problem: "cancelled", failure: { reason: "cancelled_by_merchant", errcode: null } })).toBe("cancelled");
    expect(getProblemKey({ problem: "cancelled", failure: { reason: "cancelled_on_phone", errcode: null } })).toBe("cancelled_on_phone");
    expect(getProblemKey({ problem: "cancelled" })).toBe("cancelled");
    expect(RETRYABLE.has("cancelled_on_phone")).toBe(true);
    expect(getProblemKey({ problem: "forged" })).toBe("forged");
    expect(getProblemKey({ problem: "something new" })).toBe("unknown");
    expect(RETRYABLE.has("forged")).toBe(false);
  });

  it("has every word in both languages", () => {
    const keys = (value: unknown, prefix = ""): string[] =>
      typeof value === "object" && value !== null
        ? Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key))
        : [prefix];
    expect(keys(en.merchant).sort()).toEqual(keys(zh.merchant).sort());
    for (const problem of [
      "cancelled",
      "cancelled_on_phone",
      "code_expired",
      "code_invalid",
      "code_used",
      "forged",
      "missing_code",
      "unavailable",
      "not_found",
      "expired",
      "throttled",
      "invalid_query",
      "wechat_unavailable",
      "unknown",
    ]) {
      expect(Object.keys((zh.merchant.problem as unknown as Record<string, object>)[problem] ?? {})).toEqual(["title", "body", "next"]);
    }
  });

  it("knows WeChat's browser and phones from their user agents", () => {
    const wechat =
      "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F30) NetType/WIFI";
    expect(isWeChatBrowser(wechat)).toBe(true);
    expect(isWeChatBrowser("Mozilla/5.0 (Windows NT 10.0) WindowsWechat MicroMessenger/7.0")).toBe(true);
    expect(isWeChatBrowser("Mozilla/5.0 (iPhone) Safari")).toBe(false);
    expect(isWeChatBrowser(null)).toBe(false);
    expect(isMobileBrowser("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")).toBe(true);
    expect(isMobileBrowser("Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36")).toBe(false);
  });

  it("takes the client address from the last X-Forwarded-For hop", () => {
    expect(getClientAddress(new Headers({ "x-forwarded-for": "1.1.1.1, 10.0.0.7" }))).toBe("10.0.0.7");
    // X-Real-IP is whatever the client sent (no proxy of ours sets it): not an address to believe.
    expect(getClientAddress(new Headers({ "x-real-ip": "10.0.0.8" }))).toBe("unknown");
    expect(getClientAddress(new Headers())).toBe("unknown");
  });
});
