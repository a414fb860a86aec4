// The outbox: an event is written in the same transaction as the change it reports, with one
// delivery per endpoint that wants it and a pg-boss job for each delivery (worker.ts sends it), so a
// rolled-back change announces nothing and a committed one is delivered at least once.
import { randomBytes, randomUUID } from "node:crypto";
import type { Prisma } from "../generated/prisma/client";
import { getEnv } from "../env";
import type { EventData, EventType, MessageKind, WebhookBody } from "./event-types";
import { enqueueDeliveries } from "./queue";

export type Tx = Prisma.TransactionClient;

export type RecordEventInput = {
  type: EventType;
  data: Omit<EventData, "component_appid"> & { component_appid?: string };
  /** message.received: the message's kind, for the endpoints' routes. */
  message?: MessageKind;
  /** A key that makes a second record of the same thing a no-op (WeChat's retried messages). */
  dedupeKey?: string;
  now?: Date;
};

export type RecordedDelivery = { id: string; endpointId: string; url: string; reply: boolean };

export type RecordedEvent =
  | { duplicate: false; eventId: string; body: WebhookBody; deliveries: RecordedDelivery[] }
  /** Already recorded (dedupeKey): nothing new is written. replyXml: the passive reply given then. */
  | { duplicate: true; eventId: string; replyXml: string | null };

/** Standard Webhooks ids: unique per event, the same on every delivery and retry of it. */
export const newEventId = () => `msg_${randomBytes(16).toString("base64url")}`;

type RouteRow = {
  authorizerAppid: string | null;
  merchantRef: string | null;
  msgType: string | null;
  event: string | null;
  reply: boolean;
};

const sameWord = (rule: string | null, value: string | null | undefined) =>
  rule === null || rule.toLowerCase() === (value ?? "").toLowerCase();

/** A route matches when every field it sets matches the message. */
export function routeMatches(route: RouteRow, { data, message }: { data: EventData; message?: MessageKind }): boolean {
  return (
    (route.authorizerAppid === null || route.authorizerAppid === data.authorizer_appid) &&
    (route.merchantRef === null || route.merchantRef === data.merchant_ref) &&
    sameWord(route.msgType, message?.msgType) &&
    sameWord(route.event, message?.event)
  );
}

/**
 * Which endpoints get a message.received, and whether one answers it synchronously: an endpoint with
 * no routes gets every message; otherwise those matching one of its routes. Of the endpoints whose
 * matching route is a reply route, the oldest answers; the others are sent the message as usual.
 */
export function pickMessageTargets<E extends { id: string; routes: RouteRow[] }>(
  endpoints: readonly E[],
  input: { data: EventData; message?: MessageKind },
): { endpoint: E; reply: boolean }[] {
  let replier: string | null = null;
  const targets: { endpoint: E; reply: boolean }[] = [];
  for (const endpoint of endpoints) {
    const matching = endpoint.routes.filter((route) => routeMatches(route, input));
    if (endpoint.routes.length > 0 && matching.length === 0) continue;
    const reply = replier === null && matching.some((route) => route.reply);
    if (reply) replier = endpoint.id;
    targets.push({ endpoint, reply });
  }
  return targets;
}

/** Records one event inside the caller's transaction. */
export async function recordEvent(tx: Tx, input: RecordEventInput): Promise<RecordedEvent> {
  const now = input.now ?? new Date();
  const componentAppid = input.data.component_appid ?? getEnv().component.appid;
  const data: EventData = { ...input.data, component_appid: componentAppid };
  const body: WebhookBody = { type: input.type, timestamp: now.toISOString(), data };
  const eventId = newEventId();
  const inserted = await tx.webhookEvent.createMany({
    data: [
      {
        id: eventId,
        componentAppid,
        type: input.type,
        authorizerAppid: data.authorizer_appid ?? null,
        merchantRef: data.merchant_ref ?? null,
        dedupeKey: input.dedupeKey ?? null,
        payload: body as unknown as Prisma.InputJsonValue,
        createdAt: now,
      },
    ],
    skipDuplicates: true,
  });
  if (inserted.count === 0) {
    const existing = await tx.webhookEvent.findUniqueOrThrow({
      where: { dedupeKey: input.dedupeKey! },
      select: { id: true, replyXml: true },
    });
    return { duplicate: true, eventId: existing.id, replyXml: existing.replyXml };
  }
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { componentAppid, deletedAt: null, disabledAt: null, events: { has: input.type } },
    include: { routes: true },
    orderBy: { createdAt: "asc" },
  });
  const targets =
    input.type === "message.received"
      ? pickMessageTargets(endpoints, { data, message: input.message })
      : endpoints.map((endpoint) => ({ endpoint, reply: false }));
  if (targets.length === 0) return { duplicate: false, eventId, body, deliveries: [] };
  // A reply delivery is tried at once by the message URL itself; its job waits out that attempt.
  const replyWindowMs = getEnv().hub.replyTimeoutMs + 1_000;
  const deliveries = targets.map(({ endpoint, reply }) => ({
    id: randomUUID(),
    endpointId: endpoint.id,
    url: endpoint.url,
    reply,
    nextAttemptAt: reply ? new Date(now.getTime() + replyWindowMs) : now,
  }));
  await tx.webhookDelivery.createMany({
    data: deliveries.map((delivery) => ({
      id: delivery.id,
      eventId,
      endpointId: delivery.endpointId,
      componentAppid,
      authorizerAppid: data.authorizer_appid ?? null,
      nextAttemptAt: delivery.nextAttemptAt,
      createdAt: now,
    })),
  });
  await enqueueDeliveries(
    tx,
    deliveries.map(({ id, nextAttemptAt }) => ({ deliveryId: id, startAfter: nextAttemptAt })),
  );
  return {
    duplicate: false,
    eventId,
    body,
    deliveries: deliveries.map(({ id, endpointId, url, reply }) => ({ id, endpointId, url, reply })),
  };
}
