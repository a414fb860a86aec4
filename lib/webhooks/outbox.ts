// The outbox: an event is written with one delivery per endpoint that wants it, in ONE statement run
// in the caller's transaction (or on its own, which is atomic too), so a rolled-back change announces
// nothing and a committed one is delivered at least once (relay.ts). The statement also routes
// message.received by the endpoints' routes, reads the account's merchant_ref when asked, and wakes
// the relays with a NOTIFY that PostgreSQL sends only if the transaction commits.
import { randomBytes } from "node:crypto";
import type { Sql } from "../db";
import { getEnv } from "../env";
import type { EventData, EventType, MessageKind, WebhookBody } from "./event-types";

/** The channel the relays LISTEN on. */
export const DELIVERY_CHANNEL = "webhook_deliveries";

export type RecordEventInput = {
  type: EventType;
  data: Omit<EventData, "component_appid"> & { component_appid?: string };
  /** message.received: the message's kind, for the endpoints' routes. */
  message?: MessageKind;
  /** Fill data.merchant_ref with the authorizer's current one, read by the same statement. */
  merchantRefOfAuthorizer?: boolean;
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

/** A route matches a message when every field it sets matches ($msg_type and $event compared without case). */
const ROUTE_MATCHES = `(r.authorizer_appid IS NULL OR r.authorizer_appid = i.authorizer_appid)
  AND (r.merchant_ref IS NULL OR r.merchant_ref = ev.merchant_ref)
  AND (r.msg_type IS NULL OR lower(r.msg_type) = lower(i.msg_type))
  AND (r.event IS NULL OR lower(r.event) = lower(i.event))`;

/**
 * Who gets the event: every live endpoint subscribed to its type; for message.received, only those
 * without routes or with a matching route. Of those whose matching route is a reply route, the oldest
 * answers the message synchronously (its first try waits out the reply window); the rest as usual.
 */
const RECORD_EVENT = `
WITH i AS (
  SELECT $1::varchar AS id, $2::varchar AS component_appid, $3::varchar AS type, $4::varchar AS authorizer_appid,
         CASE WHEN $5::boolean
              THEN (SELECT a.merchant_ref FROM authorizers a WHERE a.appid = $4::varchar AND a.component_appid = $2::varchar)
              ELSE $6::varchar END AS merchant_ref,
         $7::varchar AS dedupe_key, $8::jsonb AS payload, $9::timestamptz AS created_at,
         $10::varchar AS msg_type, $11::varchar AS event, $12::int AS reply_window_ms
), ev AS (
  INSERT INTO webhook_events (id, component_appid, type, authorizer_appid, merchant_ref, dedupe_key, payload, created_at)
  SELECT id, component_appid, type, authorizer_appid, merchant_ref, dedupe_key,
         CASE WHEN $5::boolean THEN jsonb_set(payload, '{data,merchant_ref}', COALESCE(to_jsonb(merchant_ref), 'null'::jsonb))
              ELSE payload END, created_at
  FROM i
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id, merchant_ref, payload
), target AS (
  SELECT e.id AS endpoint_id, e.url, e.created_at,
         i.type = 'message.received'
           AND EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id AND r.reply AND ${ROUTE_MATCHES}) AS wants_reply
  FROM webhook_endpoints e CROSS JOIN ev CROSS JOIN i
  WHERE e.component_appid = i.component_appid AND e.deleted_at IS NULL AND e.disabled_at IS NULL AND i.type = ANY (e.events)
    AND (i.type <> 'message.received'
         OR NOT EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id)
         OR EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id AND ${ROUTE_MATCHES}))
), replier AS (
  SELECT endpoint_id FROM target WHERE wants_reply ORDER BY created_at, endpoint_id LIMIT 1
), delivery AS (
  INSERT INTO webhook_deliveries (id, event_id, endpoint_id, component_appid, authorizer_appid, next_attempt_at, created_at)
  SELECT gen_random_uuid(), ev.id, t.endpoint_id, i.component_appid, i.authorizer_appid,
         CASE WHEN t.endpoint_id IN (SELECT endpoint_id FROM replier)
              THEN i.created_at + i.reply_window_ms * interval '1 millisecond' ELSE i.created_at END,
         i.created_at
  FROM target t CROSS JOIN ev CROSS JOIN i
  RETURNING id, endpoint_id
)
SELECT ev.id AS event_id, ev.payload, d.id AS delivery_id, d.endpoint_id, t.url,
       COALESCE(d.endpoint_id IN (SELECT endpoint_id FROM replier), false) AS reply,
       CASE WHEN d.id IS NOT NULL THEN pg_notify('${DELIVERY_CHANNEL}', '')::text END AS notified
FROM ev LEFT JOIN delivery d ON true LEFT JOIN target t ON t.endpoint_id = d.endpoint_id`;

type RecordedRow = {
  event_id: string;
  payload: WebhookBody;
  delivery_id: string | null;
  endpoint_id: string | null;
  url: string | null;
  reply: boolean;
};

/** Records one event: inside the caller's transaction when `sql` is one, else on its own. */
export async function recordEvent(sql: Sql, input: RecordEventInput): Promise<RecordedEvent> {
  const now = input.now ?? new Date();
  const componentAppid = input.data.component_appid ?? getEnv().component.appid;
  const data: EventData = { ...input.data, component_appid: componentAppid };
  const body: WebhookBody = { type: input.type, timestamp: now.toISOString(), data };
  // A reply delivery is tried at once by the message URL itself; the relay waits out that attempt.
  const replyWindowMs = getEnv().hub.replyTimeoutMs + 1_000;
  const rows = await sql.$queryRawUnsafe<RecordedRow[]>(
    RECORD_EVENT,
    newEventId(),
    componentAppid,
    input.type,
    data.authorizer_appid ?? null,
    input.merchantRefOfAuthorizer ?? false,
    data.merchant_ref ?? null,
    input.dedupeKey ?? null,
    JSON.stringify(body),
    now,
    input.message?.msgType ?? null,
    input.message?.event ?? null,
    replyWindowMs,
  );
  const first = rows[0];
  if (!first) {
    const [existing] = await sql.$queryRawUnsafe<{ id: string; reply_xml: string | null }[]>(
      "SELECT id, reply_xml FROM webhook_events WHERE dedupe_key = $1",
      input.dedupeKey ?? null,
    );
    if (!existing) throw new Error(`event ${input.type} was neither recorded nor found by its dedupe key`);
    return { duplicate: true, eventId: existing.id, replyXml: existing.reply_xml };
  }
  const deliveries = rows
    .filter((row) => row.delivery_id !== null)
    .map((row) => ({ id: row.delivery_id!, endpointId: row.endpoint_id!, url: row.url!, reply: row.reply }));
  return { duplicate: false, eventId: first.event_id, body: first.payload, deliveries };
}
