// Forwarding an authorizer's message or event to the provider's services (issue 11, item 4): it is
// stored as a `message.received` event in the outbox (lib/webhooks/outbox.ts) before WeChat gets any
// answer, once per message whatever WeChat retries (the dedupe key), and the endpoints whose routes
// match get it as a webhook. When a matching route is synchronous its endpoint is called at once,
// within WEBHOOK_REPLY_TIMEOUT_MS, and what it answers becomes the passive reply to the user; anything
// else (timeout, failure, no reply) leaves the delivery to the worker and WeChat gets `success`.
import { createHash } from "node:crypto";
import { db, sql } from "../db";
import { groupCommit } from "../db/group-commit";
import { getEnv } from "../env";
import { logger } from "../logger";
import { buildPassiveReply, type AuthorizerMessage } from "../wechat/authorizer-message";
import { attemptDelivery } from "../webhooks/deliveries";
import type { EventData } from "../webhooks/event-types";
import { recordEvents, type RecordEventInput, type RecordedEvent } from "../webhooks/outbox";
import { readEndpointReply } from "./reply";

/** webhook_events.dedupe_key is VARCHAR(300); a longer key is hashed past the account's prefix. */
const MAX_DEDUPE_KEY = 300;

/**
 * How WeChat's retries of one message are recognised: its MsgId for a user message, its sender,
 * CreateTime and Event for an event (events have no MsgId), and the same with MsgType for anything
 * else without a MsgId.
 */
export function messageDedupeKey({
  componentAppid,
  authorizerAppid,
  message,
}: {
  componentAppid: string;
  authorizerAppid: string;
  message: AuthorizerMessage;
}): string {
  const prefix = `${componentAppid}:${authorizerAppid}`;
  const tail =
    message.MsgType === "event"
      ? `event:${message.FromUserName}:${message.CreateTime}:${message.Event ?? ""}`
      : message.MsgId
        ? `msgid:${message.MsgId}`
        : `msg:${message.FromUserName}:${message.CreateTime}:${message.MsgType}`;
  const key = `${prefix}:${tail}`;
  if (key.length <= MAX_DEDUPE_KEY) return key;
  return `${prefix}:sha256:${createHash("sha256").update(tail).digest("hex")}`;
}

/** The `data` of a message.received webhook: the message's main fields, every field as sent, and the XML. */
export function messageEventData({
  componentAppid,
  authorizerAppid,
  merchantRef,
  message,
  xml,
}: {
  componentAppid: string;
  authorizerAppid: string;
  merchantRef: string | null;
  message: AuthorizerMessage;
  xml: string;
}): EventData {
  return {
    component_appid: componentAppid,
    authorizer_appid: authorizerAppid,
    merchant_ref: merchantRef,
    msg_type: message.MsgType,
    ...(message.Event !== undefined && { event: message.Event }),
    ...(message.MsgId !== undefined && { msg_id: message.MsgId }),
    from_user_name: message.FromUserName,
    to_user_name: message.ToUserName,
    create_time: message.createdAt.toISOString(),
    create_time_unix: message.CreateTime,
    fields: message.fields,
    xml,
  };
}

/**
 * Messages arriving together share one statement on the pool (no Prisma), which also reads each
 * account's merchant_ref and routes them to the endpoints: a message's only round trip before it is
 * acknowledged, and under load one commit for many.
 */
const storeTogether = groupCommit<RecordEventInput, RecordedEvent>({ write: (inputs) => recordEvents(sql(), inputs) });

/** Stores the message in the outbox (lib/webhooks/outbox.ts); resolves once it is committed. */
export async function storeMessage({
  authorizerAppid,
  message,
  xml,
  now,
}: {
  authorizerAppid: string;
  message: AuthorizerMessage;
  xml: string;
  now: Date;
}): Promise<RecordedEvent> {
  const componentAppid = getEnv().component.appid;
  return storeTogether({
    type: "message.received",
    data: messageEventData({ componentAppid, authorizerAppid, merchantRef: null, message, xml }),
    merchantRefOfAuthorizer: true,
    message: { msgType: message.MsgType, event: message.Event ?? null },
    dedupeKey: messageDedupeKey({ componentAppid, authorizerAppid, message }),
    now,
  });
}

/**
 * Calls the synchronous route's endpoint, if the message has one, and returns the plain reply XML for
 * WeChat (also kept on the event, for WeChat's retries), or null for `success`. Never throws: the
 * message is stored already and the worker delivers whatever did not go now.
 */
export async function askForReply({
  recorded,
  message,
  now,
}: {
  recorded: Extract<RecordedEvent, { duplicate: false }>;
  message: AuthorizerMessage;
  now: Date;
}): Promise<string | null> {
  // One reply per message: the first synchronous route's endpoint answers it, the others get the webhook later.
  const delivery = recorded.deliveries.find((candidate) => candidate.reply);
  if (!delivery) return null;
  const ids = { eventId: recorded.eventId, deliveryId: delivery.id, endpointId: delivery.endpointId };
  try {
    const outcome = await attemptDelivery(delivery.id, { timeoutMs: getEnv().hub.replyTimeoutMs });
    if ("skipped" in outcome) {
      logger.info({ ...ids, skipped: outcome.skipped }, "passive reply: the delivery is not ours to send now");
      return null;
    }
    if (!outcome.ok) {
      logger.info({ ...ids, status: outcome.status, latencyMs: outcome.latencyMs }, "passive reply: no answer in time; delivered later");
      return null;
    }
    const answer = readEndpointReply({ body: outcome.response, contentType: outcome.contentType });
    if (answer.kind === "invalid") {
      logger.warn({ ...ids, reason: answer.reason }, "passive reply refused: WeChat is answered success");
      return null;
    }
    if (answer.kind === "none") return null;
    const replyXml = buildPassiveReply(answer.reply, {
      toUser: message.FromUserName,
      fromUser: message.ToUserName,
      createTime: Math.floor(now.getTime() / 1000),
    });
    await db()
      .webhookEvent.update({ where: { id: recorded.eventId }, data: { replyXml } })
      .catch((error: unknown) => logger.warn({ ...ids, err: error }, "passive reply not kept: a retry of this message gets success"));
    logger.info({ ...ids, replyType: answer.reply.type, latencyMs: outcome.latencyMs }, "passive reply passed on");
    return replyXml;
  } catch (error) {
    logger.error({ ...ids, err: error }, "passive reply: the endpoint could not be called; delivered later");
    return null;
  }
}
