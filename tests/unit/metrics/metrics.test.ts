// lib/metrics.ts and lib/metrics-scrape.ts: what Prometheus reads is its text format with every
// metric the portal promises, the counters move with what is recorded, label values stay in their
// vocabulary, and only the holder of METRICS_TOKEN reads any of it.
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { beforeEach, describe, expect, it } from "vitest";
import { MissingCredential, noTicketError } from "@/lib/credentials/errors";
import {
  countMessage,
  countPush,
  countTokenRefresh,
  countWeChatCall,
  errcodeLabelOf,
  observeDeliveryLag,
  observeIngress,
  readCounters,
  refreshErrorClassOf,
  refusalReasonOf,
  renderMetrics,
  resetMetricsForTests,
} from "@/lib/metrics";
import { answerScrape } from "@/lib/metrics-scrape";
import { WeChatApiError, WeChatTransportError } from "@/lib/wechat/errors";

const TOKEN = "metrics-token-0123456789abcdef";

const PORTAL_METRICS = [
  "portal_component_pushes_total",
  "portal_authorizer_messages_total",
  "portal_ingress_duration_seconds",
  "portal_webhook_delivery_lag_seconds",
  "portal_webhook_deliveries_pending",
  "portal_webhook_oldest_pending_age_seconds",
  "portal_component_pushes_unprocessed",
  "portal_token_refresh_lag_seconds",
  "portal_token_refreshes_due",
  "portal_metrics_database_ok",
  "portal_token_refreshes_total",
  "portal_wechat_calls_total",
  "portal_wechat_call_duration_seconds",
];

async function scrape(): Promise<Map<string, PrometheusFamily>> {
  const { body } = await renderMetrics();
  return new Map(parsePrometheusTextFormat(body).map((family) => [family.name, family]));
}

const valueOf = (family: PrometheusFamily | undefined, labels: Record<string, string>) =>
  Number(family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

const apiError = (errcode: number) => new WeChatApiError({ errcode, errmsg: "refused", endpoint: "/cgi-bin/x" });

describe("the metrics registry", () => {
  beforeEach(() => resetMetricsForTests());

  it("renders Prometheus' text format with every portal metric, process and Node.js metrics included", async () => {
    const { contentType } = await renderMetrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = await scrape();
    for (const name of PORTAL_METRICS) expect(families.has(name), name).toBe(true);
    expect(families.get("portal_ingress_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(families.get("portal_token_refreshes_total")?.type).toBe("COUNTER");
    expect(families.get("portal_webhook_deliveries_pending")?.type).toBe("GAUGE");
    expect(families.has("process_cpu_seconds_total")).toBe(true);
    expect(families.has("nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("counts pushes and messages by outcome, and refused ones by reason", async () => {
    countPush("accepted");
    countPush("accepted");
    countPush("refused", "bad_signature");
    countMessage("deduplicated");
    countMessage("refused", "stale");
    const families = await scrape();
    const pushes = families.get("portal_component_pushes_total");
    expect(valueOf(pushes, { outcome: "accepted", reason: "" })).toBe(2);
    expect(valueOf(pushes, { outcome: "refused", reason: "bad_signature" })).toBe(1);
    const messages = families.get("portal_authorizer_messages_total");
    expect(valueOf(messages, { outcome: "deduplicated", reason: "" })).toBe(1);
    expect(valueOf(messages, { outcome: "refused", reason: "stale" })).toBe(1);
    expect((await readCounters()).messages).toEqual(
      expect.arrayContaining([
        { outcome: "deduplicated", reason: null, count: 1 },
        { outcome: "refused", reason: "stale", count: 1 },
      ]),
    );
  });

  it("puts ingress latency and delivery lag into histogram buckets", async () => {
    observeIngress("message_url", 0.003);
    observeIngress("message_url", 0.2);
    observeDeliveryLag(0.7);
    // The parser folds a labelled histogram's series together, so its lines are read as written.
    const lines = (await renderMetrics()).body.split("\n");
    for (const line of [
      'portal_ingress_duration_seconds_bucket{le="0.0025",route="message_url"} 0',
      'portal_ingress_duration_seconds_bucket{le="0.005",route="message_url"} 1',
      'portal_ingress_duration_seconds_bucket{le="0.25",route="message_url"} 2',
      'portal_ingress_duration_seconds_count{route="message_url"} 2',
      'portal_ingress_duration_seconds_count{route="event_url"} 0',
      'portal_webhook_delivery_lag_seconds_bucket{le="0.5"} 0',
      'portal_webhook_delivery_lag_seconds_bucket{le="1"} 1',
      "portal_webhook_delivery_lag_seconds_count 1",
    ])
      expect(lines).toContain(line);
  });

  it("counts refreshes by kind, outcome and errcode class, and WeChat calls by endpoint and errcode", async () => {
    countTokenRefresh("authorizer", "refreshed");
    countTokenRefresh("authorizer", "failed", apiError(61023));
    countTokenRefresh("component", "failed", noTicketError());
    countWeChatCall("/cgi-bin/component/api_authorizer_token", 0.05);
    countWeChatCall("/cgi-bin/component/api_authorizer_token", 0.05, apiError(61023));
    countWeChatCall("/cgi-bin/ticket/getticket", 10, new WeChatTransportError({ kind: "timeout", endpoint: "/x", message: "slow" }));
    const families = await scrape();
    const refreshes = families.get("portal_token_refreshes_total");
    expect(valueOf(refreshes, { kind: "authorizer", outcome: "refreshed", error_class: "none" })).toBe(1);
    expect(valueOf(refreshes, { kind: "authorizer", outcome: "failed", error_class: "re-authorize" })).toBe(1);
    expect(valueOf(refreshes, { kind: "component", outcome: "failed", error_class: "credential" })).toBe(1);
    const calls = families.get("portal_wechat_calls_total");
    expect(valueOf(calls, { endpoint: "/cgi-bin/component/api_authorizer_token", errcode: "0" })).toBe(1);
    expect(valueOf(calls, { endpoint: "/cgi-bin/component/api_authorizer_token", errcode: "61023" })).toBe(1);
    expect(valueOf(calls, { endpoint: "/cgi-bin/ticket/getticket", errcode: "timeout" })).toBe(1);
  });

  it("reports the database-backed gauges as NaN, and database_ok 0, when no database answers", async () => {
    // The unit tests have no database installed: the scrape still answers, and says so.
    const families = await scrape();
    expect(valueOf(families.get("portal_metrics_database_ok"), {})).toBe(0);
    expect(valueOf(families.get("portal_webhook_deliveries_pending"), {})).toBeNaN();
  });
});

describe("label vocabularies", () => {
  it("names refusals from the status and text lib/messages gives", () => {
    expect(refusalReasonOf({ status: 413, reason: "body larger than 65536 bytes" })).toBe("too_large");
    expect(refusalReasonOf({ status: 400, reason: "missing msg_signature, timestamp or nonce in the query" })).toBe("missing_parameters");
    expect(refusalReasonOf({ status: 400, reason: "the path does not end with an authorizer appid" })).toBe("missing_parameters");
    expect(refusalReasonOf({ status: 400, reason: "encrypt_type must be aes: the component's messages are always encrypted" })).toBe(
      "not_encrypted",
    );
    expect(refusalReasonOf({ status: 401, reason: "signature does not match (-40001)" })).toBe("bad_signature");
    expect(refusalReasonOf({ status: 401, reason: "signed timestamp is 900 s old; only 300 s either way are accepted" })).toBe("stale");
    expect(refusalReasonOf({ status: 403, reason: "appid mismatch (-40005)" })).toBe("wrong_recipient");
    expect(refusalReasonOf({ status: 400, reason: "envelope ToUserName gh_a differs from the encrypted one gh_b" })).toBe(
      "wrong_recipient",
    );
    expect(refusalReasonOf({ status: 400, reason: "something new" })).toBe("malformed");
  });

  it("classes refresh failures by WeChat's errcode class, missing credentials apart", () => {
    expect(refreshErrorClassOf(apiError(45009))).toBe("quota");
    expect(refreshErrorClassOf(new WeChatTransportError({ kind: "network", endpoint: "/x", message: "down" }))).toBe("retry");
    expect(refreshErrorClassOf(new MissingCredential())).toBe("credential");
    expect(refreshErrorClassOf(new Error("database gone"))).toBe("other");
    expect(errcodeLabelOf(undefined)).toBe("0");
    expect(errcodeLabelOf(apiError(40001))).toBe("40001");
  });
});

describe("GET /api/metrics's bearer guard", () => {
  it("answers 404 with how to turn it on when METRICS_TOKEN is unset", async () => {
    const response = await answerScrape(`Bearer ${TOKEN}`, undefined);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("METRICS_TOKEN");
  });

  it("answers 401 with a Bearer challenge when the header is missing or not a bearer token", async () => {
    for (const header of [null, "", `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, "Bearer"]) {
      const response = await answerScrape(header, TOKEN);
      expect(response.status, String(header)).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(await response.text()).toBe("Send Authorization: Bearer <METRICS_TOKEN>.");
    }
  });

  it("answers 401 to a wrong token, a prefix of the right one included", async () => {
    for (const wrong of ["metrics-token-0123456789abcdeX", TOKEN.slice(0, -1), `${TOKEN}x`]) {
      const response = await answerScrape(`Bearer ${wrong}`, TOKEN);
      expect(response.status, wrong).toBe(401);
      expect(await response.text()).toBe("Wrong metrics token.");
    }
  });

  it("serves the text format, uncached, to the right token", async () => {
    countPush("accepted");
    const response = await answerScrape(`bearer  ${TOKEN}`, TOKEN);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const names = parsePrometheusTextFormat(await response.text()).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(PORTAL_METRICS));
  });
});
