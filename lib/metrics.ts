// The numbers operators watch (GET /api/metrics, Prometheus' text format, prom-client): pushes and
// authorizer messages accepted / refused by reason, ingress latency per route, the webhook outbox's
// backlog and delivery lag, token refreshes by kind × outcome × errcode class, and WeChat calls by
// endpoint × errcode, next to prom-client's process and Node.js metrics.
//
// Recording is in memory only (a counter increment, a histogram bucket), so the hot path pays nothing
// it could measure. Whatever needs the database (backlog, oldest pending delivery, unprocessed pushes,
// refresh lag) is read when Prometheus scrapes, in one snapshot per scrape with a short timeout.
//
// One registry per process, kept on globalThis: Next.js bundles server code per entry and the lean
// ingress loads lib/ on its own, and they must all count into the same series.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { CredentialError, MissingCredential } from "./credentials/errors";
import { db } from "./db";
import { getRefreshQueueMetrics } from "./jobs/refresh-queue-metrics";
import { logger } from "./logger";
import { WeChatApiError, WeChatTransportError, type ErrorClass } from "./wechat/errors";

// ---------------------------------------------------------------------------------------------
// Vocabulary (every label value comes from here: bounded, stable, safe to alert on)
// ---------------------------------------------------------------------------------------------

/** The ingress routes whose latency is measured. */
export const INGRESS_ROUTES = ["event_url", "message_url", "component_token", "authorizer_token"] as const;
export type IngressRoute = (typeof INGRESS_ROUTES)[number];

/** What became of one push (event URL) or one authorizer message (message URL). */
export const RECEIPT_OUTCOMES = ["accepted", "deduplicated", "refused", "failed"] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/** Why a push or message was refused (4xx): the same words for both URLs. */
export const REFUSAL_REASONS = [
  "too_large",
  "missing_parameters",
  "not_encrypted",
  "bad_signature",
  "stale",
  "wrong_recipient",
  "malformed",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const REFRESH_KINDS = ["component", "authorizer", "jsapi"] as const;
export type RefreshKind = (typeof REFRESH_KINDS)[number];

/** refreshed: WeChat issued a new one; reused: another instance had just refreshed it; failed. */
export const REFRESH_OUTCOMES = ["refreshed", "reused", "failed"] as const;
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];

/**
 * The class of a failed refresh: WeChat's errcode class (lib/upstream-errors.ts), `credential` when
 * there was nothing to refresh with (no ticket, no refresh token, revoked), `other` for the rest
 * (the database, a bug). `none` when it did not fail.
 */
export const REFRESH_ERROR_CLASSES = [
  "none",
  "retry",
  "refresh",
  "re-authorize",
  "configuration",
  "quota",
  "client",
  "credential",
  "other",
] as const satisfies readonly (ErrorClass | "none" | "credential" | "other")[];
export type RefreshErrorClass = (typeof REFRESH_ERROR_CLASSES)[number];

export function refreshErrorClassOf(error: unknown): RefreshErrorClass {
  if (error instanceof WeChatApiError) return error.classification.class;
  if (error instanceof WeChatTransportError) return error.errorClass;
  if (error instanceof CredentialError || error instanceof MissingCredential) return "credential";
  return "other";
}

/**
 * The errcode label of one WeChat call: "0" when it succeeded, WeChat's errcode when it refused, or
 * how the transport failed (timeout, network, http, invalid-json, unexpected-response).
 */
export function errcodeLabelOf(error: unknown): string {
  if (error === undefined) return "0";
  if (error instanceof WeChatApiError) return String(error.errcode);
  if (error instanceof WeChatTransportError) return error.kind;
  return "other";
}

/**
 * The reason label of a refusal given as status and text (lib/authorization/pushes.ts gives its
 * `code` directly; lib/messages/receive.ts gives status and text). Unknown texts fall back on the
 * status, so a new message never creates a new series.
 */
export function refusalReasonOf({ status, reason }: { status: number; reason: string }): RefusalReason {
  if (status === 413) return "too_large";
  if (status === 403) return "wrong_recipient";
  if (/^missing |does not end with an authorizer appid/.test(reason)) return "missing_parameters";
  if (/encrypt_type/.test(reason)) return "not_encrypted";
  if (/ToUserName|is for component/.test(reason)) return "wrong_recipient";
  // WeChat's crypto code -40001 is a signature that does not verify; any other 401 is the timestamp.
  if (status === 401) return /\(-40001\)/.test(reason) ? "bad_signature" : "stale";
  return "malformed";
}

// ---------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------

/** Ingress answers: a cached token in well under a millisecond, a stored message in a few. */
const INGRESS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** From an event's creation to its delivery: immediate, or hours of retries for an endpoint down. */
const DELIVERY_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600];
const WECHAT_CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a scrape waits for the database before it reports what it has (and database_ok 0). */
export const SCRAPE_DATABASE_TIMEOUT_MS = 2_000;

export type ScrapeState = {
  pendingDeliveries: number;
  oldestPendingAgeSeconds: number;
  unprocessedPushes: number;
  refreshLagSeconds: number;
  refreshesDue: number;
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the scrape-time gauges show, read in one statement plus the refresh queue's own query. */
export async function readScrapeState(now = new Date()): Promise<ScrapeState> {
  const [[row], queue] = await Promise.all([
    db().$queryRaw<{ pending: number; oldest: Date | null; unprocessed: number }[]>`
      SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE status = 'pending') AS pending,
             (SELECT min(created_at) FROM webhook_deliveries WHERE status = 'pending') AS oldest,
             (SELECT count(*)::int FROM received_pushes WHERE processed_at IS NULL) AS unprocessed`,
    getRefreshQueueMetrics({ now }),
  ]);
  const oldest = row?.oldest ?? null;
  return {
    pendingDeliveries: row?.pending ?? 0,
    oldestPendingAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
    unprocessedPushes: row?.unprocessed ?? 0,
    refreshLagSeconds: queue.lagSeconds,
    refreshesDue: queue.due,
  };
}

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // One database snapshot per scrape, shared by every gauge collected in it.
  let scrape: Promise<ScrapeState | null> | undefined;
  const scrapeState = (): Promise<ScrapeState | null> => {
    scrape ??= withTimeout(readScrapeState(), SCRAPE_DATABASE_TIMEOUT_MS)
      .catch((error: unknown) => {
        logger.warn({ err: error }, "metrics: the database snapshot failed; gauges report NaN");
        return null;
      })
      .finally(() => setImmediate(() => (scrape = undefined)));
    return scrape;
  };
  const databaseGauge = (name: string, help: string, pick: (state: ScrapeState) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const state = await scrapeState();
        this.set(state ? pick(state) : Number.NaN);
      },
    });

  const metrics = {
    registry,
    pushes: new Counter({
      name: "portal_component_pushes_total",
      help: "Pushes to the event URL (授权事件接收URL) by outcome; refused ones by reason.",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    messages: new Counter({
      name: "portal_authorizer_messages_total",
      help: "Authorizer messages and events on the message URL by outcome; refused ones by reason.",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    ingress: new Histogram({
      name: "portal_ingress_duration_seconds",
      help: "Time from a request's arrival to its answer, per ingress route.",
      labelNames: ["route"] as const,
      buckets: INGRESS_BUCKETS,
      registers: [registry],
    }),
    deliveryLag: new Histogram({
      name: "portal_webhook_delivery_lag_seconds",
      help: "From an outbox event's creation to its successful delivery to an endpoint.",
      buckets: DELIVERY_LAG_BUCKETS,
      registers: [registry],
    }),
    refreshes: new Counter({
      name: "portal_token_refreshes_total",
      help: "Credential refreshes by kind, outcome and errcode class (none when it did not fail).",
      labelNames: ["kind", "outcome", "error_class"] as const,
      registers: [registry],
    }),
    wechatCalls: new Counter({
      name: "portal_wechat_calls_total",
      help: "Calls to WeChat's API by endpoint and errcode (0: success; timeout, network, http, ...: no usable answer).",
      labelNames: ["endpoint", "errcode"] as const,
      registers: [registry],
    }),
    wechatCallDuration: new Histogram({
      name: "portal_wechat_call_duration_seconds",
      help: "How long WeChat's API took to answer, per endpoint (failures included).",
      labelNames: ["endpoint"] as const,
      buckets: WECHAT_CALL_BUCKETS,
      registers: [registry],
    }),
    gauges: [
      databaseGauge(
        "portal_webhook_deliveries_pending",
        "Webhook deliveries not yet delivered nor given up (the outbox backlog), at scrape time.",
        (s) => s.pendingDeliveries,
      ),
      databaseGauge(
        "portal_webhook_oldest_pending_age_seconds",
        "Age of the oldest pending webhook delivery at scrape time (0 when none is pending).",
        (s) => s.oldestPendingAgeSeconds,
      ),
      databaseGauge("portal_component_pushes_unprocessed", "Stored pushes not yet processed, at scrape time.", (s) => s.unprocessedPushes),
      databaseGauge(
        "portal_token_refresh_lag_seconds",
        "How far behind the most overdue authorizer token refresh is, at scrape time.",
        (s) => s.refreshLagSeconds,
      ),
      databaseGauge(
        "portal_token_refreshes_due",
        "Active authorizer credentials due for a refresh, at scrape time.",
        (s) => s.refreshesDue,
      ),
      new Gauge({
        name: "portal_metrics_database_ok",
        help: "1 when this scrape read the database-backed gauges, 0 when the database did not answer in time.",
        registers: [registry],
        async collect() {
          this.set((await scrapeState()) ? 1 : 0);
        },
      }),
    ],
  };

  seedSeries(metrics);
  return metrics;
}

type Metrics = ReturnType<typeof createMetrics>;

/** Series that exist from the start, so a dashboard shows 0 rather than nothing. */
function seedSeries(metrics: Metrics): void {
  for (const outcome of ["accepted", "deduplicated", "failed"] as const) {
    metrics.pushes.labels(outcome, "").inc(0);
    metrics.messages.labels(outcome, "").inc(0);
  }
  for (const route of INGRESS_ROUTES) metrics.ingress.zero({ route });
  for (const kind of REFRESH_KINDS) metrics.refreshes.labels(kind, "refreshed", "none").inc(0);
}
const holder = globalThis as unknown as { __portalMetrics?: Metrics };
const metrics = (): Metrics => (holder.__portalMetrics ??= createMetrics());

// ---------------------------------------------------------------------------------------------
// Recording (hot path: memory only)
// ---------------------------------------------------------------------------------------------

/** One push to the event URL: `reason` only for refused ones. */
export function countPush(outcome: ReceiptOutcome, reason?: RefusalReason): void {
  metrics()
    .pushes.labels(outcome, reason ?? "")
    .inc();
}

/** One authorizer message or event on the message URL: `reason` only for refused ones. */
export function countMessage(outcome: ReceiptOutcome, reason?: RefusalReason): void {
  metrics()
    .messages.labels(outcome, reason ?? "")
    .inc();
}

/** How long one ingress request took, from its arrival to its answer. */
export function observeIngress(route: IngressRoute, seconds: number): void {
  metrics().ingress.labels(route).observe(seconds);
}

/** Starts timing an ingress request; call the result when the answer has been written. */
export function startIngressTimer(route: IngressRoute): () => void {
  const started = performance.now();
  return () => observeIngress(route, (performance.now() - started) / 1000);
}

/** One successful delivery: seconds from its outbox event's creation to the endpoint's 2xx. */
export function observeDeliveryLag(seconds: number): void {
  metrics().deliveryLag.observe(Math.max(0, seconds));
}

/** One refresh attempt of a credential; `error` when it failed. */
export function countTokenRefresh(kind: RefreshKind, outcome: RefreshOutcome, error?: unknown): void {
  metrics()
    .refreshes.labels(kind, outcome, outcome === "failed" ? refreshErrorClassOf(error) : "none")
    .inc();
}

/** One call to WeChat's API (lib/upstream.ts); `error` is what it threw, if anything. */
export function countWeChatCall(endpoint: string, seconds: number, error?: unknown): void {
  const m = metrics();
  m.wechatCalls.labels(endpoint, errcodeLabelOf(error)).inc();
  m.wechatCallDuration.labels(endpoint).observe(seconds);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** The whole registry in Prometheus' text format (runs the scrape-time collectors). */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export type RefreshCount = { kind: RefreshKind; outcome: RefreshOutcome; errorClass: RefreshErrorClass; count: number };
export type WeChatCallCount = { endpoint: string; errcode: string; count: number };
export type ReceiptCount = { outcome: ReceiptOutcome; reason: RefusalReason | null; count: number };

export type CounterSnapshot = {
  refreshes: RefreshCount[];
  wechatCalls: WeChatCallCount[];
  pushes: ReceiptCount[];
  messages: ReceiptCount[];
};

const receipts = async (counter: Metrics["pushes"]): Promise<ReceiptCount[]> =>
  (await counter.get()).values
    .filter((v) => v.value > 0)
    .map((v) => ({
      outcome: v.labels.outcome as ReceiptOutcome,
      reason: v.labels.reason ? (v.labels.reason as RefusalReason) : null,
      count: v.value,
    }));

/** This process's counters since it started (for the console's health page), without the zeros. */
export async function readCounters(): Promise<CounterSnapshot> {
  const m = metrics();
  const [refreshes, wechatCalls, pushes, messages] = await Promise.all([
    m.refreshes.get(),
    m.wechatCalls.get(),
    receipts(m.pushes),
    receipts(m.messages),
  ]);
  return {
    refreshes: refreshes.values
      .filter((v) => v.value > 0)
      .map((v) => ({
        kind: v.labels.kind as RefreshKind,
        outcome: v.labels.outcome as RefreshOutcome,
        errorClass: v.labels.error_class as RefreshErrorClass,
        count: v.value,
      })),
    wechatCalls: wechatCalls.values
      .filter((v) => v.value > 0)
      .map((v) => ({ endpoint: String(v.labels.endpoint), errcode: String(v.labels.errcode), count: v.value })),
    pushes,
    messages,
  };
}

/** Empties every counter and histogram (tests only: a process's counters otherwise only grow). */
export function resetMetricsForTests(): void {
  const m = metrics();
  m.registry.resetMetrics();
  seedSeries(m);
}
