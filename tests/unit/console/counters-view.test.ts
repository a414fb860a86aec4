// The health page's "this instance" section reads the very counters /api/metrics exports.
import { beforeEach, describe, expect, it } from "vitest";
import { loadCountersView } from "@/lib/console/counters-view";
import { noTicketError } from "@/lib/credentials/errors";
import { countMessage, countPush, countTokenRefresh, countWeChatCall, resetMetricsForTests } from "@/lib/metrics";
import { WeChatApiError } from "@/lib/wechat/errors";

const apiError = (errcode: number) => new WeChatApiError({ errcode, errmsg: "refused", endpoint: "/cgi-bin/x" });

describe("the health page's counters (this process's registry)", () => {
  beforeEach(() => resetMetricsForTests());

  it("starts at zero for every kind, outcome and class", async () => {
    const view = await loadCountersView();
    expect(view.refreshes.map((r) => [r.kind, r.outcomes])).toEqual([
      ["component", { refreshed: 0, reused: 0, failed: 0 }],
      ["authorizer", { refreshed: 0, reused: 0, failed: 0 }],
      ["jsapi", { refreshed: 0, reused: 0, failed: 0 }],
    ]);
    expect(view.failures.every((f) => Object.values(f.classes).every((n) => n === 0))).toBe(true);
    expect(view.receipts).toEqual([]);
    expect(view.wechatCalls).toEqual([]);
  });

  it("shows refreshes by outcome, failures by errcode class, receipts by URL and reason, busiest calls first", async () => {
    countTokenRefresh("authorizer", "refreshed");
    countTokenRefresh("authorizer", "refreshed");
    countTokenRefresh("authorizer", "failed", apiError(61023));
    countTokenRefresh("component", "failed", noTicketError());
    countTokenRefresh("jsapi", "reused");
    countPush("accepted");
    countPush("refused", "bad_signature");
    countMessage("accepted");
    countMessage("accepted");
    countMessage("deduplicated");
    for (let i = 0; i < 3; i++) countWeChatCall("/cgi-bin/component/api_authorizer_token", 0.05);
    countWeChatCall("/cgi-bin/component/api_authorizer_token", 0.05, apiError(61023));

    const now = new Date("2026-12-03T10:00:00Z");
    const view = await loadCountersView({ now });
    expect(view.since.getTime()).toBeLessThan(now.getTime());
    expect(view.refreshes.find((r) => r.kind === "authorizer")!.outcomes).toEqual({ refreshed: 2, reused: 0, failed: 1 });
    expect(view.refreshes.find((r) => r.kind === "jsapi")!.outcomes.reused).toBe(1);
    expect(view.failures.find((f) => f.kind === "authorizer")!.classes["re-authorize"]).toBe(1);
    expect(view.failures.find((f) => f.kind === "component")!.classes.credential).toBe(1);
    expect(view.receipts).toEqual(
      expect.arrayContaining([
        { url: "event_url", outcome: "accepted", reason: null, count: 1 },
        { url: "event_url", outcome: "refused", reason: "bad_signature", count: 1 },
        { url: "message_url", outcome: "accepted", reason: null, count: 2 },
        { url: "message_url", outcome: "deduplicated", reason: null, count: 1 },
      ]),
    );
    expect(view.receipts).toHaveLength(4);
    expect(view.wechatCalls).toEqual([
      { endpoint: "/cgi-bin/component/api_authorizer_token", errcode: "0", count: 3 },
      { endpoint: "/cgi-bin/component/api_authorizer_token", errcode: "61023", count: 1 },
    ]);
  });
});
