// One attempt of one delivery, and what it leaves behind: the row's status, attempts, latency and
// answer (the console's delivery log), the next attempt on the retry schedule with its job, and the
// endpoint's health. An endpoint that answers again gets its waiting backlog at once; one whose every
// delivery failed for longer than WEBHOOK_DISABLE_AFTER_HOURS is disabled, with the reason, for staff.
import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit";
import { db } from "../db";
import { getEnv } from "../env";
import type { Prisma } from "../generated/prisma/client";
import { logger } from "../logger";
import { TEST_EVENT_TYPE, type WebhookBody } from "./event-types";
import { newEventId, type Tx } from "./outbox";
import { enqueueDeliveries } from "./queue";
import { nextAttemptAt } from "./schedule";
import { RESPONSE_EXCERPT_CHARS, openSecret, postWebhook } from "./send";

export type DeliveryOutcome = {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** The endpoint's answer (up to 64 KB; the row keeps an excerpt). */
  response: string;
  contentType: string | null;
  error: string | null;
};

/** Why an attempt did not happen: the row was not pending, or another sender holds it. */
export type Skipped = { skipped: "not_pending" | "busy" | "not_due" };

/** A sender's claim covers the request and recording its result. */
const leaseMs = (timeoutMs: number) => timeoutMs + 15_000;

const excerpt = (text: string | null, max = RESPONSE_EXCERPT_CHARS) =>
  text === null ? null : text.length > max ? `${text.slice(0, max)}…` : text;

async function claim(deliveryId: string, { now, timeoutMs, dueOnly }: { now: Date; timeoutMs: number; dueOnly: boolean }) {
  const claimed = await db().webhookDelivery.updateMany({
    where: {
      id: deliveryId,
      status: "pending",
      OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
      ...(dueOnly ? { nextAttemptAt: { lte: now } } : {}),
    },
    data: { leaseUntil: new Date(now.getTime() + leaseMs(timeoutMs)) },
  });
  if (claimed.count === 1) return null;
  const row = await db().webhookDelivery.findUnique({ where: { id: deliveryId }, select: { status: true, leaseUntil: true } });
  if (!row || row.status !== "pending") return { skipped: "not_pending" } as const;
  if (row.leaseUntil && row.leaseUntil >= now) return { skipped: "busy" } as const;
  return { skipped: "not_due" } as const;
}

/** The secrets that sign now: the current one, and the one it replaced while its overlap lasts. */
function liveSecrets(
  endpoint: {
    secretEnc: string;
    secretKeyId: string;
    previousSecretEnc: string | null;
    previousSecretKeyId: string | null;
    previousSecretExpiresAt: Date | null;
  },
  now: Date,
): string[] {
  const secrets = [openSecret({ ciphertext: endpoint.secretEnc, keyId: endpoint.secretKeyId })!];
  if (endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    const previous = openSecret({ ciphertext: endpoint.previousSecretEnc, keyId: endpoint.previousSecretKeyId });
    if (previous) secrets.push(previous);
  }
  return secrets;
}

/**
 * Sends one delivery now (the worker when it is due; the message URL for a reply route, at once) and
 * records the result. `retry: false` (a test event) fails it after this one attempt.
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
  const skipped = await claim(deliveryId, { now, timeoutMs, dueOnly });
  if (skipped) return skipped;
  const delivery = await db().webhookDelivery.findUniqueOrThrow({
    where: { id: deliveryId },
    include: { event: true, endpoint: true },
  });
  const { endpoint, event } = delivery;
  if (endpoint.deletedAt || endpoint.disabledAt) {
    const error = endpoint.deletedAt ? "the endpoint was deleted" : `the endpoint is disabled: ${endpoint.disabledReason ?? "by staff"}`;
    await db().webhookDelivery.update({
      where: { id: deliveryId },
      data: { status: "failed", leaseUntil: null, nextAttemptAt: null, lastError: excerpt(error) },
    });
    return { ok: false, status: null, latencyMs: 0, response: "", contentType: null, error };
  }
  const outcome = await postWebhook({
    url: endpoint.url,
    secrets: liveSecrets(endpoint, now),
    id: event.id,
    timestamp: now,
    body: JSON.stringify(event.payload),
    timeoutMs,
  });
  const finishedAt = new Date(now.getTime() + outcome.latencyMs);
  await db().$transaction((tx) =>
    outcome.ok ? recordSuccess(tx, delivery, outcome, finishedAt) : recordFailure(tx, delivery, outcome, { at: finishedAt, retry }),
  );
  return {
    ok: outcome.ok,
    status: outcome.status,
    latencyMs: outcome.latencyMs,
    response: outcome.body,
    contentType: outcome.contentType,
    error: outcome.error,
  };
}

type Attempted = Prisma.WebhookDeliveryGetPayload<{ include: { event: true; endpoint: true } }>;
type Posted = Awaited<ReturnType<typeof postWebhook>>;

const lastAttempt = (outcome: Posted, at: Date) => ({
  lastAttemptAt: at,
  lastStatusCode: outcome.status,
  lastLatencyMs: outcome.latencyMs,
  lastResponse: excerpt(outcome.body),
  lastError: excerpt(outcome.error),
});

async function recordSuccess(tx: Tx, delivery: Attempted, outcome: Posted, at: Date): Promise<void> {
  await tx.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      status: "delivered",
      attempts: { increment: 1 },
      deliveredAt: at,
      leaseUntil: null,
      nextAttemptAt: null,
      ...lastAttempt(outcome, at),
    },
  });
  const recovered = delivery.endpoint.failingSince !== null;
  await tx.webhookEndpoint.update({ where: { id: delivery.endpointId }, data: { lastSuccessAt: at, failingSince: null } });
  if (!recovered) return;
  // Back after failing: what waited for it goes now rather than at its backed-off time.
  const waiting = await tx.webhookDelivery.findMany({
    where: { endpointId: delivery.endpointId, status: "pending", nextAttemptAt: { gt: at } },
    select: { id: true },
    take: 10_000,
  });
  if (waiting.length === 0) return;
  await tx.webhookDelivery.updateMany({ where: { id: { in: waiting.map((row) => row.id) } }, data: { nextAttemptAt: at } });
  await enqueueDeliveries(
    tx,
    waiting.map((row) => ({ deliveryId: row.id, startAfter: at })),
  );
  logger.info({ endpointId: delivery.endpointId, released: waiting.length }, "webhook endpoint answers again: its backlog is sent now");
}

async function recordFailure(tx: Tx, delivery: Attempted, outcome: Posted, { at, retry }: { at: Date; retry: boolean }): Promise<void> {
  const attempts = delivery.attempts + 1;
  const next = retry ? nextAttemptAt({ attempts, now: at }) : null;
  await tx.webhookDelivery.update({
    where: { id: delivery.id },
    data: { attempts, status: next ? "pending" : "failed", nextAttemptAt: next, leaseUntil: null, ...lastAttempt(outcome, at) },
  });
  if (next) await enqueueDeliveries(tx, [{ deliveryId: delivery.id, startAfter: next }]);
  logger.warn(
    {
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      eventType: delivery.event.type,
      attempts,
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt: next,
    },
    next ? "webhook delivery failed; retried later" : "webhook delivery failed for good",
  );
  const endpoint = delivery.endpoint;
  const failingSince = endpoint.failingSince ?? at;
  if (endpoint.failingSince === null) await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince } });
  const failingMs = at.getTime() - failingSince.getTime();
  if (failingMs < getEnv().hub.disableAfterMs) return;
  const hours = Math.floor(failingMs / 3_600_000);
  const reason = `every delivery failed for ${hours} hours (since ${failingSince.toISOString()}); last: ${outcome.error ?? `status ${outcome.status}`}`;
  const disabled = await tx.webhookEndpoint.updateMany({
    where: { id: endpoint.id, disabledAt: null },
    data: { disabledAt: at, disabledReason: excerpt(reason, 500) },
  });
  if (disabled.count === 0) return;
  await recordAudit(
    { actorType: "system", action: "webhook_endpoint.disabled", target: `webhook:${endpoint.id}`, details: { url: endpoint.url, reason } },
    tx,
  );
  logger.error({ endpointId: endpoint.id, url: endpoint.url, reason }, "webhook endpoint disabled");
}

/** Staff (or the API) ask again: the same event, the same webhook-id, queued now. */
export async function redeliver(deliveryId: string, { now = new Date() }: { now?: Date } = {}): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const updated = await tx.webhookDelivery.updateMany({
      where: { id: deliveryId, componentAppid: getEnv().component.appid, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      data: { status: "pending", nextAttemptAt: now, deliveredAt: null },
    });
    if (updated.count === 0) return false;
    await enqueueDeliveries(tx, [{ deliveryId, startAfter: now }]);
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
    await tx.webhookDelivery.create({ data: { id: deliveryId, eventId, endpointId, componentAppid, nextAttemptAt: now, createdAt: now } });
  });
  const outcome = await attemptDelivery(deliveryId, { now, retry: false });
  if ("skipped" in outcome) throw new Error(`the test delivery was ${outcome.skipped}`);
  return outcome;
}
