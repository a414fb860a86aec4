// One attempt of one delivery, and what it leaves behind: the row's status, attempts, latency and
// answer (the console's delivery log), the next attempt on the retry schedule, and the endpoint's
// health. A sender first claims rows (a lease: one sender at a time, across instances; a sender that
// dies lets its lease lapse and the row is claimed again), reading in the same statement everything
// it needs to send them. An endpoint that answers again gets its waiting backlog at once; one whose
// every delivery failed for longer than WEBHOOK_DISABLE_AFTER_HOURS is disabled, with the reason.
import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit";
import { db, sql, type Sql } from "../db";
import { getEnv } from "../env";
import type { Prisma } from "../generated/prisma/client";
import { logger } from "../logger";
import { TEST_EVENT_TYPE, type WebhookBody } from "./event-types";
import { DELIVERY_CHANNEL, newEventId } from "./outbox";
import { nextAttemptAt } from "./schedule";
import { RESPONSE_EXCERPT_CHARS, openSecret, postWebhook, type PostOutcome } from "./send";

export type DeliveryOutcome = {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** The endpoint's answer (up to 64 KB; the row keeps an excerpt). */
  response: string;
  contentType: string | null;
  error: string | null;
};

/** Why an attempt did not happen: the row was not pending, another sender holds it, or it is not due. */
export type Skipped = { skipped: "not_pending" | "busy" | "not_due" };

/** A claimed delivery with what sending it takes. */
export type ClaimedDelivery = {
  id: string;
  attempts: number;
  eventId: string;
  eventType: string;
  eventCreatedAt: Date;
  /** The event's body as stored: signed and sent byte for byte. */
  body: string;
  endpointId: string;
  url: string;
  secretEnc: string;
  secretKeyId: string;
  previousSecretEnc: string | null;
  previousSecretKeyId: string | null;
  previousSecretExpiresAt: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  deletedAt: Date | null;
  failingSince: Date | null;
};

/** A sender's claim covers the request and recording its result. */
const leaseMs = (timeoutMs: number) => timeoutMs + 15_000;

const CLAIM = (which: string) => `
WITH chosen AS (
  SELECT id FROM webhook_deliveries
  WHERE ${which} AND status = 'pending' AND (lease_until IS NULL OR lease_until < $1)
  ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE webhook_deliveries d SET lease_until = $2 FROM chosen WHERE d.id = chosen.id
  RETURNING d.id, d.attempts, d.event_id, d.endpoint_id
)
SELECT c.id, c.attempts, c.event_id AS "eventId", ev.type AS "eventType", ev.created_at AS "eventCreatedAt",
       ev.payload::text AS body, c.endpoint_id AS "endpointId", e.url, e.secret_enc AS "secretEnc",
       e.secret_key_id AS "secretKeyId", e.previous_secret_enc AS "previousSecretEnc",
       e.previous_secret_key_id AS "previousSecretKeyId", e.previous_secret_expires_at AS "previousSecretExpiresAt",
       e.disabled_at AS "disabledAt", e.disabled_reason AS "disabledReason", e.deleted_at AS "deletedAt",
       e.failing_since AS "failingSince"
FROM claimed c JOIN webhook_events ev ON ev.id = c.event_id JOIN webhook_endpoints e ON e.id = c.endpoint_id`;

const CLAIM_DUE = CLAIM("component_appid = $4 AND next_attempt_at <= $1");
const CLAIM_ONE = CLAIM("id = $4::uuid");
const CLAIM_ONE_DUE = CLAIM("id = $4::uuid AND next_attempt_at <= $1");

/** Claims up to `limit` due deliveries, oldest due first (the relay). */
export function claimDue({
  limit,
  now = new Date(),
  timeoutMs = getEnv().hub.deliveryTimeoutMs,
}: {
  limit: number;
  now?: Date;
  timeoutMs?: number;
}) {
  return sql().$queryRawUnsafe<ClaimedDelivery[]>(
    CLAIM_DUE,
    now,
    new Date(now.getTime() + leaseMs(timeoutMs)),
    limit,
    getEnv().component.appid,
  );
}

const excerpt = (text: string | null, max = RESPONSE_EXCERPT_CHARS) =>
  text === null ? null : text.length > max ? `${text.slice(0, max)}…` : text;

/** Signing secrets, opened once per sealed value: the relay sends many deliveries per endpoint. */
const openedSecrets = new Map<string, string>();
function openCached(ciphertext: string, keyId: string): string {
  let secret = openedSecrets.get(ciphertext);
  if (secret === undefined) {
    secret = openSecret({ ciphertext, keyId })!;
    if (openedSecrets.size > 1_000) openedSecrets.clear();
    openedSecrets.set(ciphertext, secret);
  }
  return secret;
}

/** The secrets that sign now: the current one, and the one it replaced while its overlap lasts. */
function liveSecrets(delivery: ClaimedDelivery, now: Date): string[] {
  const secrets = [openCached(delivery.secretEnc, delivery.secretKeyId)];
  const { previousSecretEnc, previousSecretKeyId, previousSecretExpiresAt } = delivery;
  if (previousSecretEnc && previousSecretKeyId && previousSecretExpiresAt && previousSecretExpiresAt > now) {
    secrets.push(openCached(previousSecretEnc, previousSecretKeyId));
  }
  return secrets;
}

const toOutcome = (posted: PostOutcome): DeliveryOutcome => ({
  ok: posted.ok,
  status: posted.status,
  latencyMs: posted.latencyMs,
  response: posted.body,
  contentType: posted.contentType,
  error: posted.error,
});

/** Sends one claimed delivery and records the result; `retry: false` (a test event) fails it after this attempt. */
export async function sendClaimed(
  delivery: ClaimedDelivery,
  { timeoutMs = getEnv().hub.deliveryTimeoutMs, now = new Date(), retry = true }: { timeoutMs?: number; now?: Date; retry?: boolean } = {},
): Promise<DeliveryOutcome> {
  if (delivery.deletedAt || delivery.disabledAt) {
    const error = delivery.deletedAt ? "the endpoint was deleted" : `the endpoint is disabled: ${delivery.disabledReason ?? "by staff"}`;
    await db().webhookDelivery.update({
      where: { id: delivery.id },
      data: { status: "failed", leaseUntil: null, nextAttemptAt: null, lastError: excerpt(error) },
    });
    return { ok: false, status: null, latencyMs: 0, response: "", contentType: null, error };
  }
  const posted = await postWebhook({
    url: delivery.url,
    secrets: liveSecrets(delivery, now),
    id: delivery.eventId,
    timestamp: now,
    body: delivery.body,
    timeoutMs,
  });
  const at = new Date(now.getTime() + posted.latencyMs);
  if (posted.ok) await recordSuccess(delivery, posted, at);
  else await db().$transaction((tx) => recordFailure(tx, delivery, posted, { at, retry }));
  return toOutcome(posted);
}

/**
 * Claims and sends one delivery now (the message URL for a reply route, a test event, staff) and
 * records the result. `dueOnly`: only if its next attempt is due.
 */
export async function attemptDelivery(
  deliveryId: string,
  {
    timeoutMs = getEnv().hub.deliveryTimeoutMs,
    now = new Date(),
    dueOnly = false,
    retry = true,
  }: { timeoutMs?: number; now?: Date; dueOnly?: boolean; retry?: boolean } = {},
): Promise<DeliveryOutcome | Skipped> {
  const [claimed] = await db().$queryRawUnsafe<ClaimedDelivery[]>(
    dueOnly ? CLAIM_ONE_DUE : CLAIM_ONE,
    now,
    new Date(now.getTime() + leaseMs(timeoutMs)),
    1,
    deliveryId,
  );
  if (claimed) return sendClaimed(claimed, { timeoutMs, now, retry });
  const row = await db().webhookDelivery.findUnique({ where: { id: deliveryId }, select: { status: true, leaseUntil: true } });
  if (!row || row.status !== "pending") return { skipped: "not_pending" };
  if (row.leaseUntil && row.leaseUntil >= now) return { skipped: "busy" };
  return { skipped: "not_due" };
}

const lastAttempt = (posted: PostOutcome, at: Date) => ({
  lastAttemptAt: at,
  lastStatusCode: posted.status,
  lastLatencyMs: posted.latencyMs,
  lastResponse: excerpt(posted.body),
  lastError: excerpt(posted.error),
});

/** The endpoint's last success is written at most this often: a busy endpoint's row is not a hot spot. */
const SUCCESS_STAMP_MS = 1_000;

/** Many successes in one statement: the deliveries, then each endpoint's last success (the latest of them). */
const RECORD_SUCCESSES = `
WITH x AS (
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::varchar[]) AS x(id, at, status, latency_ms, response)
), delivered AS (
  UPDATE webhook_deliveries d SET status = 'delivered', attempts = d.attempts + 1, delivered_at = x.at, lease_until = NULL,
         next_attempt_at = NULL, last_attempt_at = x.at, last_status_code = x.status, last_latency_ms = x.latency_ms,
         last_response = x.response, last_error = NULL
  FROM x WHERE d.id = x.id
  RETURNING d.endpoint_id, x.at
), latest AS (
  SELECT endpoint_id, max(at) AS at FROM delivered GROUP BY endpoint_id
)
UPDATE webhook_endpoints e SET last_success_at = latest.at, failing_since = NULL
FROM latest
WHERE e.id = latest.endpoint_id
  AND (e.failing_since IS NOT NULL OR e.last_success_at IS NULL OR e.last_success_at < latest.at - $6 * interval '1 millisecond')`;

type Success = { delivery: ClaimedDelivery; posted: PostOutcome; at: Date; done: { resolve(): void; reject(error: unknown): void } };

/**
 * Successes recorded together: those that complete in the same turn of the event loop (the relay's
 * answers arrive in bursts) share one statement, written before the turn after. Each caller still
 * waits for its own row to be written.
 */
let successes: Success[] = [];
function flushSuccesses(): void {
  const batch = successes;
  successes = [];
  // Called from setImmediate: whatever fails (even getting the database) goes to the callers.
  Promise.resolve()
    .then(() =>
      sql().$queryRawUnsafe(
        RECORD_SUCCESSES,
        batch.map((s) => s.delivery.id),
        batch.map((s) => s.at),
        batch.map((s) => s.posted.status),
        batch.map((s) => s.posted.latencyMs),
        batch.map((s) => excerpt(s.posted.body)),
        SUCCESS_STAMP_MS,
      ),
    )
    .then(
      () => batch.forEach((s) => s.done.resolve()),
      (error: unknown) => batch.forEach((s) => s.done.reject(error)),
    );
}

async function recordSuccess(delivery: ClaimedDelivery, posted: PostOutcome, at: Date): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (successes.length === 0) setImmediate(flushSuccesses);
    successes.push({ delivery, posted, at, done: { resolve, reject } });
  });
  if (delivery.failingSince !== null) await releaseBacklog(delivery.endpointId, at);
}

/** Back after failing: what waited for it goes now rather than at its backed-off time. */
async function releaseBacklog(endpointId: string, at: Date): Promise<void> {
  const released = await db().$executeRawUnsafe(
    `UPDATE webhook_deliveries SET next_attempt_at = $2
     WHERE endpoint_id = $1::uuid AND status = 'pending' AND next_attempt_at > $2`,
    endpointId,
    at,
  );
  if (released === 0) return;
  await wakeRelays(db());
  logger.info({ endpointId, released }, "webhook endpoint answers again: its backlog is sent now");
}

/** Tells every instance's relay there is work (sent when the surrounding transaction commits). */
export const wakeRelays = (sql: Sql) => sql.$queryRawUnsafe(`SELECT pg_notify('${DELIVERY_CHANNEL}', '')::text`);

async function recordFailure(
  tx: Prisma.TransactionClient,
  delivery: ClaimedDelivery,
  posted: PostOutcome,
  { at, retry }: { at: Date; retry: boolean },
) {
  const attempts = delivery.attempts + 1;
  const next = retry ? nextAttemptAt({ attempts, now: at }) : null;
  await tx.webhookDelivery.update({
    where: { id: delivery.id },
    data: { attempts, status: next ? "pending" : "failed", nextAttemptAt: next, leaseUntil: null, ...lastAttempt(posted, at) },
  });
  logger.warn(
    {
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      eventType: delivery.eventType,
      attempts,
      status: posted.status,
      error: posted.error,
      nextAttemptAt: next,
    },
    next ? "webhook delivery failed; retried later" : "webhook delivery failed for good",
  );
  // The endpoint's row as it is now (another sender may have marked it failing, or it recovered).
  const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({
    where: { id: delivery.endpointId },
    select: { failingSince: true, url: true },
  });
  const failingSince = endpoint.failingSince ?? at;
  if (endpoint.failingSince === null) await tx.webhookEndpoint.update({ where: { id: delivery.endpointId }, data: { failingSince } });
  const failingMs = at.getTime() - failingSince.getTime();
  if (failingMs < getEnv().hub.disableAfterMs) return;
  const hours = Math.floor(failingMs / 3_600_000);
  const reason = `every delivery failed for ${hours} hours (since ${failingSince.toISOString()}); last: ${posted.error ?? `status ${posted.status}`}`;
  const disabled = await tx.webhookEndpoint.updateMany({
    where: { id: delivery.endpointId, disabledAt: null },
    data: { disabledAt: at, disabledReason: excerpt(reason, 500) },
  });
  if (disabled.count === 0) return;
  await recordAudit(
    {
      actorType: "system",
      action: "webhook_endpoint.disabled",
      target: `webhook:${delivery.endpointId}`,
      details: { url: endpoint.url, reason },
    },
    tx,
  );
  logger.error({ endpointId: delivery.endpointId, url: endpoint.url, reason }, "webhook endpoint disabled");
}

/** Staff (or the API) ask again: the same event, the same webhook-id, due now. */
export async function redeliver(deliveryId: string, { now = new Date() }: { now?: Date } = {}): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const updated = await tx.webhookDelivery.updateMany({
      where: { id: deliveryId, componentAppid: getEnv().component.appid, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { status: "pending", nextAttemptAt: now, deliveredAt: null },
    });
    if (updated.count === 0) return false;
    await wakeRelays(tx);
    return true;
  });
}

/** A webhook.test event to one endpoint, sent now and kept in its log; not retried. */
export async function sendTestEvent(endpointId: string, { now = new Date() }: { now?: Date } = {}): Promise<DeliveryOutcome> {
  const componentAppid = getEnv().component.appid;
  const endpoint = await db().webhookEndpoint.findFirst({
    where: { id: endpointId, componentAppid, deletedAt: null },
    select: { id: true },
  });
  if (!endpoint) throw new Error(`no webhook endpoint ${endpointId}`);
  const eventId = newEventId();
  const body: WebhookBody = {
    type: TEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    data: { component_appid: componentAppid, endpoint_id: endpointId },
  };
  const deliveryId = randomUUID();
  await db().$transaction(async (tx) => {
    await tx.webhookEvent.create({
      data: { id: eventId, componentAppid, type: TEST_EVENT_TYPE, payload: body as unknown as Prisma.InputJsonValue, createdAt: now },
    });
    // Not due for the relay: this attempt is the only one.
    await tx.webhookDelivery.create({ data: { id: deliveryId, eventId, endpointId, componentAppid, nextAttemptAt: null, createdAt: now } });
  });
  const outcome = await attemptDelivery(deliveryId, { now, retry: false });
  if ("skipped" in outcome) throw new Error(`the test delivery was ${outcome.skipped}`);
  return outcome;
}
