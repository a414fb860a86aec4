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
 * Who gets each event: every live endpoint subscribed to its type; for message.received, only those
 * without routes or with a matching route. Of those whose matching route is a reply route, the oldest
 * answers the message synchronously (its first try waits out the reply window); the rest as usual.
 * The events come as one JSON array ($1), so one statement records a whole batch (group commit).
 */
const RECORD_EVENTS = `
WITH i AS (
  SELECT u.id, u.component_appid, u.type, u.authorizer_appid, u.merchant_ref_of_authorizer,
         CASE WHEN u.merchant_ref_of_authorizer
              THEN (SELECT a.merchant_ref FROM authorizers a WHERE a.appid = u.authorizer_appid AND a.component_appid = u.component_appid)
              ELSE u.merchant_ref END AS merchant_ref,
         u.dedupe_key, u.payload, u.created_at, u.msg_type, u.event, u.reply_window_ms
  FROM jsonb_to_recordset($1::jsonb) AS u(id varchar, component_appid varchar, type varchar, authorizer_appid varchar,
       merchant_ref_of_authorizer boolean, merchant_ref varchar, dedupe_key varchar, payload jsonb, created_at timestamptz,
       msg_type varchar, event varchar, reply_window_ms int)
), ev AS (
  INSERT INTO webhook_events (id, component_appid, type, authorizer_appid, merchant_ref, dedupe_key, payload, created_at)
  SELECT id, component_appid, type, authorizer_appid, merchant_ref, dedupe_key,
         CASE WHEN merchant_ref_of_authorizer
              THEN jsonb_set(payload, '{data,merchant_ref}', COALESCE(to_jsonb(merchant_ref), 'null'::jsonb))
              ELSE payload END, created_at
  FROM i
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id, merchant_ref, payload
), target AS (
  SELECT ev.id AS event_id, e.id AS endpoint_id, e.url, e.created_at,
         i.type = 'message.received'
           AND EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id AND r.reply AND ${ROUTE_MATCHES}) AS wants_reply
  FROM ev JOIN i ON i.id = ev.id
  JOIN webhook_endpoints e ON e.component_appid = i.component_appid AND e.deleted_at IS NULL AND e.disabled_at IS NULL
                          AND i.type = ANY (e.events)
  WHERE i.type <> 'message.received'
     OR NOT EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id)
     OR EXISTS (SELECT 1 FROM webhook_routes r WHERE r.endpoint_id = e.id AND ${ROUTE_MATCHES})
), replier AS (
  SELECT DISTINCT ON (event_id) event_id, endpoint_id FROM target WHERE wants_reply ORDER BY event_id, created_at, endpoint_id
), delivery AS (
  INSERT INTO webhook_deliveries (id, event_id, endpoint_id, component_appid, authorizer_appid, next_attempt_at, created_at)
  SELECT gen_random_uuid(), t.event_id, t.endpoint_id, i.component_appid, i.authorizer_appid,
         CASE WHEN r.endpoint_id IS NOT NULL THEN i.created_at + i.reply_window_ms * interval '1 millisecond' ELSE i.created_at END,
         i.created_at
  FROM target t JOIN i ON i.id = t.event_id LEFT JOIN replier r ON r.event_id = t.event_id AND r.endpoint_id = t.endpoint_id
  RETURNING id, event_id, endpoint_id
)
SELECT ev.id AS event_id, ev.payload, d.id AS delivery_id, d.endpoint_id, t.url, r.endpoint_id IS NOT NULL AS reply,
       CASE WHEN d.id IS NOT NULL THEN pg_notify('${DELIVERY_CHANNEL}', '')::text END AS notified
FROM ev LEFT JOIN delivery d ON d.event_id = ev.id
        LEFT JOIN target t ON t.event_id = d.event_id AND t.endpoint_id = d.endpoint_id
        LEFT JOIN replier r ON r.event_id = d.event_id AND r.endpoint_id = d.endpoint_id`;

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
  const [recorded] = await recordEvents(sql, [input]);
  return recorded!;
}

/**
 * Records several events in one statement (all or none), in the order given: inside the caller's
 * transaction when `sql` is one, else on its own. Two with the same dedupe key: the second is the
 * duplicate of the first.
 */
export async function recordEvents(sql: Sql, inputs: RecordEventInput[]): Promise<RecordedEvent[]> {
  // A reply delivery is tried at once by the message URL itself; the relay waits out that attempt.
  const replyWindowMs = getEnv().hub.replyTimeoutMs + 1_000;
  const events = inputs.map((input) => {
    const now = input.now ?? new Date();
    const componentAppid = input.data.component_appid ?? getEnv().component.appid;
    const data: EventData = { ...input.data, component_appid: componentAppid };
    const payload: WebhookBody = { type: input.type, timestamp: now.toISOString(), data };
    return {
      id: newEventId(),
      component_appid: componentAppid,
      type: input.type,
      authorizer_appid: data.authorizer_appid ?? null,
      merchant_ref_of_authorizer: input.merchantRefOfAuthorizer ?? false,
      merchant_ref: data.merchant_ref ?? null,
      dedupe_key: input.dedupeKey ?? null,
      payload,
      created_at: now.toISOString(),
      msg_type: input.message?.msgType ?? null,
      event: input.message?.event ?? null,
      reply_window_ms: replyWindowMs,
    };
  });
  const rows = await sql.$queryRawUnsafe<RecordedRow[]>(RECORD_EVENTS, JSON.stringify(events));
  const recorded = new Map<string, Extract<RecordedEvent, { duplicate: false }>>();
  for (const row of rows) {
    let event = recorded.get(row.event_id);
    if (!event) recorded.set(row.event_id, (event = { duplicate: false, eventId: row.event_id, body: row.payload, deliveries: [] }));
    if (row.delivery_id !== null)
      event.deliveries.push({ id: row.delivery_id, endpointId: row.endpoint_id!, url: row.url!, reply: row.reply });
  }
  const duplicates = events.filter((event) => !recorded.has(event.id)).map((event) => event.dedupe_key);
  const existing = new Map<string | null, { id: string; reply_xml: string | null }>();
  if (duplicates.length > 0) {
    // Recorded before (or earlier in this batch): what WeChat's retry gets is what the first one got.
    const found = await sql.$queryRawUnsafe<{ id: string; dedupe_key: string; reply_xml: string | null }[]>(
      "SELECT id, dedupe_key, reply_xml FROM webhook_events WHERE dedupe_key = ANY ($1::varchar[])",
      duplicates,
    );
    for (const row of found) existing.set(row.dedupe_key, row);
  }
  return events.map((event, n): RecordedEvent => {
    const done = recorded.get(event.id);
    if (done) return done;
    const first = existing.get(event.dedupe_key);
    if (!first) throw new Error(`event ${inputs[n]!.type} was neither recorded nor found by its dedupe key`);
    return { duplicate: true, eventId: first.id, replyXml: first.reply_xml };
  });
}
