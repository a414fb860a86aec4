// The hub's wire shapes (/api/v1 authorization links, authorizers, webhook endpoints) and the
// webhooks the portal sends: routes validate with them and openapi.ts documents them from the same
// objects. Field names are snake_case as on the wire; lib/webhooks/endpoints.ts holds the rules.
import { z } from "zod";
import { merchantRefSchema, returnUrlSchema } from "../authorization/merchant-binding";
import { EVENT_TYPES, TEST_EVENT_TYPE } from "../webhooks/event-types";
import { endpointUrlSchema, eventNameSchema, eventTypesSchema, MAX_DESCRIPTION, MAX_ROUTES, msgTypeSchema } from "../webhooks/endpoints";
import { authorizerAppidSchema } from "./schemas";

const time = (description: string) => z.iso.datetime({ offset: true }).meta({ description });
const nullableTime = (description: string) => z.iso.datetime({ offset: true }).nullable().meta({ description });

const merchantRef = merchantRefSchema.meta({
  description: "Your own id for the merchant (opaque to the portal, 1-128 characters).",
  examples: ["shop-1042"],
});

export const ATTEMPT_STATUSES = ["pending", "completed", "failed", "expired", "cancelled"] as const;
export const AUTHORIZER_STATUSES = ["authorized", "updated", "revoked", "needs_reauthorization"] as const;
export const ACCOUNT_TYPES = ["official_account", "mini_program", "channels", "promoter", "unknown"] as const;

// ——— Authorization links ———

export const createLinkRequestSchema = z
  .strictObject({
    merchant_ref: merchantRef,
    auth_type: z
      .number({ error: "auth_type must be a number from 1 to 6" })
      .int("auth_type must be a whole number")
      .min(1, "auth_type must be from 1 to 6")
      .max(6, "auth_type must be from 1 to 6")
      .meta({ description: "Which accounts may authorize: 1 official accounts, 2 mini programs, 3 both, 4 推客, 5 视频号, 6 all." }),
    biz_appid: authorizerAppidSchema.optional().meta({ description: "Only this account may authorize with the link." }),
    category_id_list: z
      .array(z.number().int().positive("category_id_list holds permission-set ids (positive)"))
      .max(100, "category_id_list holds at most 100 ids")
      .optional()
      .meta({ description: "Permission-set ids to ask for; none or empty: every published set." }),
    return_url: returnUrlSchema.optional().meta({
      description:
        "Where the merchant lands when the link ends, with `status` (authorized, failed, cancelled, expired), `attempt_id`, `merchant_ref`, and `authorizer_appid` on success or `reason` otherwise added to its query (its own query is kept). Its origin must be one the portal's RETURN_URL_ORIGINS allows.",
    }),
  })
  .meta({ description: "A link for one merchant." });

const linkStatus = z
  .enum(ATTEMPT_STATUSES)
  .meta({ description: "pending until the merchant authorizes (completed) or it fails, expires or is cancelled." });

export const createLinkResponseSchema = z
  .object({
    id: z.string(),
    merchant_ref: z.string(),
    authorize_page_url: z.url().meta({ description: "The portal's page for the merchant (a computer: scan or click); never stale." }),
    h5_url: z.url().meta({ description: "The same for a phone: open it in WeChat." }),
    expires_at: time("Until when the link may be used."),
    status: linkStatus,
  })
  .meta({ description: "The link: send one of its URLs to the merchant." });

export const linkAuthorizerSchema = z
  .object({
    appid: z.string(),
    account_type: z.enum(ACCOUNT_TYPES).optional(),
    nick_name: z.string().nullable().optional(),
    principal_name: z.string().nullable().optional(),
    status: z.enum(AUTHORIZER_STATUSES).optional(),
  })
  .meta({ description: "The account that authorized; only its appid when the key's scope does not cover it." });

export const linkResponseSchema = z
  .object({
    id: z.string(),
    merchant_ref: z.string().nullable(),
    status: linkStatus,
    created_at: time("When the link was made."),
    expires_at: time("Until when the link may be used."),
    completed_at: nullableTime("When it ended (completed, failed, expired or cancelled)."),
    authorize_page_url: z.url(),
    h5_url: z.url(),
    return_url: z.string().nullable(),
    authorizer: linkAuthorizerSchema.nullable(),
    failure: z
      .object({
        reason: z.string().meta({ description: "Why it ended without an authorization (e.g. expired, cancelled, or WeChat's error)." }),
        errcode: z.number().int().nullable().meta({ description: "WeChat's errcode, when WeChat refused." }),
      })
      .nullable(),
  })
  .meta({ description: "A link's status and, once completed, the account that authorized." });

// ——— Authorizers ———

const namedSet = z.object({ id: z.number().int(), name: z.string().meta({ description: "The set's name as WeChat shows it (中文)." }) });

export const authorizerRecordSchema = z
  .object({
    appid: z.string(),
    component_appid: z.string(),
    account_type: z.enum(ACCOUNT_TYPES),
    nick_name: z.string().nullable(),
    principal_name: z.string().nullable(),
    status: z.enum(AUTHORIZER_STATUSES).meta({
      description:
        "authorized / updated (grant changed): served; revoked: the merchant revoked it; needs_reauthorization: WeChat no longer accepts its refresh token.",
    }),
    merchant_ref: z.string().nullable().meta({ description: "The merchant it is bound to now." }),
    authorized_at: time("When it (last) authorized."),
    permission_sets: z.array(namedSet).meta({ description: "The permission sets granted, by id." }),
  })
  .meta({ description: "An authorizer (授权方) as the portal knows it." });

export const authorizerListQuerySchema = z.object({
  merchant_ref: merchantRefSchema.optional(),
  status: z.enum(AUTHORIZER_STATUSES, { error: `status must be one of ${AUTHORIZER_STATUSES.join(", ")}` }).optional(),
  cursor: z.string().max(500, "cursor is not one this API gave").optional(),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be from 1 to 100")
    .max(100, "limit must be from 1 to 100")
    .default(50),
});

export const authorizerListResponseSchema = z
  .object({
    data: z.array(authorizerRecordSchema),
    next_cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .meta({ description: "Authorizers, most recently authorized first." });

// ——— Webhook endpoints ———

export const routeRequestSchema = z
  .strictObject({
    authorizer_appid: authorizerAppidSchema.optional(),
    merchant_ref: merchantRefSchema.optional(),
    msg_type: msgTypeSchema.optional().meta({ description: "MsgType: text, image, voice, video, location, link, event..." }),
    event: eventNameSchema.optional().meta({ description: "Event (MsgType event): subscribe, CLICK, weapp_audit_success..." }),
    reply: z.boolean().optional().meta({
      description:
        "Synchronous: the portal waits (under WeChat's 5 s) for this endpoint's answer and passes it to WeChat as the passive reply.",
    }),
  })
  .meta({
    description:
      "Which authorizer messages (message.received) the endpoint receives: every field given must match. An endpoint without routes receives every message.",
  });

export const createEndpointRequestSchema = z
  .strictObject({
    url: endpointUrlSchema.meta({
      description: "https on a public host (the portal's WEBHOOK_ALLOW_PRIVATE=true also allows http and private addresses).",
    }),
    events: eventTypesSchema.meta({ description: "The event types to receive." }),
    description: z.string().max(MAX_DESCRIPTION, `description must be at most ${MAX_DESCRIPTION} characters`).optional(),
    routes: z.array(routeRequestSchema).max(MAX_ROUTES, `at most ${MAX_ROUTES} routes`).optional(),
  })
  .meta({ description: "A webhook endpoint of your service." });

const routeResponse = z.object({
  id: z.string(),
  authorizer_appid: z.string().nullable(),
  merchant_ref: z.string().nullable(),
  msg_type: z.string().nullable(),
  event: z.string().nullable(),
  reply: z.boolean(),
});

export const endpointResponseSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(EVENT_TYPES)),
    description: z.string().nullable(),
    routes: z.array(routeResponse),
    state: z.enum(["active", "failing", "disabled"]).meta({
      description: "failing: deliveries fail since failing_since (retried); disabled: nothing is sent (disabled_reason says why).",
    }),
    failing_since: nullableTime("Since when every delivery failed."),
    last_success_at: nullableTime("The last delivery it accepted."),
    disabled_at: nullableTime("When it was disabled (by staff, or after failing for days)."),
    disabled_reason: z.string().nullable(),
    created_at: time("When it was made."),
  })
  .meta({ description: "A webhook endpoint (never its secret)." });

export const createdEndpointResponseSchema = endpointResponseSchema
  .extend({
    secret: z
      .string()
      .regex(/^whsec_/)
      .meta({ description: "The signing secret (Standard Webhooks, whsec_...). Shown only in this answer: store it now." }),
  })
  .meta({ description: "The endpoint, with its secret (this once)." });

export const endpointDetailResponseSchema = endpointResponseSchema
  .extend({
    delivery_counts: z.object({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int() }),
  })
  .meta({ description: "A webhook endpoint with how many of its deliveries are in each state." });

export const endpointListResponseSchema = z.object({ data: z.array(endpointResponseSchema) }).meta({ description: "Newest first." });

export const deletedEndpointResponseSchema = z
  .object({ id: z.uuid(), deleted: z.literal(true) })
  .meta({ description: "Deleted: nothing more is sent to it; its pending deliveries are failed." });

export const endpointTestResponseSchema = z
  .object({
    delivered: z.boolean().meta({ description: "The endpoint answered 2xx." }),
    status: z.number().int().nullable().meta({ description: "Its HTTP status; null when it could not be reached." }),
    latency_ms: z.number().int(),
    response: z.string().meta({ description: "The beginning of its answer." }),
    error: z.string().nullable().meta({ description: "Why it could not be reached (timeout, refused...)." }),
  })
  .meta({ description: "What the endpoint answered to a `webhook.test` event." });

export const endpointIdSchema = z.uuid("the endpoint id is a uuid").meta({ description: "The endpoint's id." });

// ——— The webhooks the portal sends (documented as components) ———

const baseData = {
  component_appid: z.string(),
  authorizer_appid: z.string().nullable(),
  merchant_ref: z.string().nullable().meta({ description: "The merchant the account (or link) belongs to." }),
};
const accountData = {
  ...baseData,
  authorizer_appid: z.string(),
  account_type: z.enum(ACCOUNT_TYPES),
  nick_name: z.string().nullable(),
};

export const EVENT_DATA_SCHEMAS = {
  "authorizer.authorized": z
    .object({
      ...accountData,
      principal_name: z.string().nullable(),
      permission_sets: z.array(namedSet),
      attempt_id: z.string().nullable().meta({ description: "The link it completed, when one did." }),
    })
    .meta({ description: "An account authorized (or authorized again after a revocation)." }),
  "authorizer.updated": z
    .object({
      ...accountData,
      principal_name: z.string().nullable(),
      permission_sets: z.array(namedSet),
      attempt_id: z.string().nullable(),
      before: z.array(namedSet),
      after: z.array(namedSet),
      added: z.array(namedSet),
      removed: z.array(namedSet),
    })
    .meta({ description: "An authorized account changed its grant (updateauthorized, or authorized again)." }),
  "authorizer.revoked": z
    .object({ ...accountData, revoked_at: z.string(), source: z.string() })
    .meta({ description: "The merchant revoked the authorization." }),
  "authorizer.reauthorization_required": z
    .object({ ...accountData, reason: z.string(), errcode: z.number().int().nullable() })
    .meta({ description: "WeChat no longer accepts the account's refresh token: send the merchant a new link." }),
  "authorization_link.failed": z
    .object({
      ...baseData,
      attempt_id: z.string(),
      status: z.enum(["failed", "expired", "cancelled"]),
      reason: z.string(),
      errcode: z.number().int().optional(),
    })
    .meta({ description: "A link ended without an authorization." }),
  "component.ticket_stale": z
    .object({ component_appid: z.string(), last_ticket_at: z.string(), overdue_seconds: z.number().int() })
    .meta({ description: "WeChat stopped pushing component_verify_ticket: tokens cannot be renewed once the current one lapses." }),
  "message.received": z
    .object({
      ...baseData,
      authorizer_appid: z.string(),
      msg_type: z.string(),
      event: z.string().optional(),
      msg_id: z.string().optional(),
      from_user_name: z.string(),
      to_user_name: z.string(),
      create_time: z.string(),
      create_time_unix: z.number().int(),
      fields: z.record(z.string(), z.unknown()).meta({ description: "Every field of the message as WeChat sent it." }),
      xml: z.string().meta({ description: "The decrypted XML." }),
    })
    .meta({
      description:
        'A message or event from an authorizer\'s users (or WeChat) to the account. For a reply route, answer within the deadline with XML, or JSON {"reply": {"type": "text", "content": "..."}}.',
    }),
} as const satisfies Record<(typeof EVENT_TYPES)[number], z.ZodType>;

export const webhookBodySchema = z
  .object({
    type: z.enum([...EVENT_TYPES, TEST_EVENT_TYPE]),
    timestamp: time("When the event happened."),
    data: z
      .object({
        component_appid: z.string(),
        authorizer_appid: z.string().nullable().optional(),
        merchant_ref: z.string().nullable().optional(),
      })
      .catchall(z.unknown())
      .meta({ description: "The event's data: see the WebhookData.<type> schemas." }),
  })
  .meta({
    description:
      "The body of every webhook (Standard Webhooks). Headers: `webhook-id` (the same on every retry of one event: deduplicate by it), `webhook-timestamp` (Unix seconds), `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body with the secret after whsec_>`, space-separated when two secrets sign). Answer 2xx within the timeout; anything else is retried with backoff for at least 24 hours.",
  });
