// What the hub announces to the provider's services, and the body each webhook carries
// (Standard Webhooks: {type, timestamp, data}). README "Connect your service" documents each one.

export const EVENT_TYPES = [
  "authorizer.authorized",
  "authorizer.updated",
  "authorizer.revoked",
  "authorizer.reauthorization_required",
  "authorization_link.failed",
  "component.ticket_stale",
  "message.received",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent only by "test" (console or POST /webhook-endpoints/{id}/test), to that one endpoint. */
export const TEST_EVENT_TYPE = "webhook.test";

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** Every event's data names the component, and the authorizer and merchant when there is one. */
export type EventData = {
  component_appid: string;
  authorizer_appid?: string | null;
  merchant_ref?: string | null;
  [field: string]: unknown;
};

export type WebhookBody = { type: EventType | typeof TEST_EVENT_TYPE; timestamp: string; data: EventData };

/** The authorizer message an event came from (message.received): what routes match on. */
export type MessageKind = { msgType: string; event?: string | null };
