// GET /api/v1/openapi.json: the token centre described as OpenAPI 3.1. Bodies come from the same zod
// schemas the routes validate with (schemas.ts); paths, statuses and error codes are listed here
// once, and a test calls every documented path and checks each answer against this document.
import { z } from "zod";
import { API_ERROR_STATUS, type ApiErrorCode } from "./errors";
import {
  authorizerAppidSchema,
  authorizerTokenRefreshRequestSchema,
  authorizerTokenRefreshResponseSchema,
  authorizerTokenResponseSchema,
  componentTokenResponseSchema,
  errorResponseSchema,
  jssdkSignatureRequestSchema,
  jssdkSignatureResponseSchema,
} from "./schemas";
import {
  authorizerListResponseSchema,
  authorizerRecordSchema,
  createdEndpointResponseSchema,
  createEndpointRequestSchema,
  createLinkRequestSchema,
  createLinkResponseSchema,
  deletedEndpointResponseSchema,
  endpointDetailResponseSchema,
  endpointIdSchema,
  endpointListResponseSchema,
  endpointTestResponseSchema,
  EVENT_DATA_SCHEMAS,
  linkResponseSchema,
  webhookBodySchema,
} from "./hub-schemas";
import { EVENT_TYPES } from "../webhooks/event-types";

type JsonSchema = Record<string, unknown>;
type ResponseObject = { description: string; content?: Record<string, { schema: JsonSchema }> };
type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Record<string, unknown>[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject>;
};

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<"get" | "post" | "delete", Operation>>>;
  /** What the portal sends to the provider's webhook endpoints (OpenAPI 3.1 webhooks), one per event type. */
  webhooks: Record<string, { post: Operation }>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, Record<string, unknown>> };
};

const SCHEMA_IDS = {
  ComponentToken: componentTokenResponseSchema,
  AuthorizerToken: authorizerTokenResponseSchema,
  AuthorizerTokenRefreshRequest: authorizerTokenRefreshRequestSchema,
  AuthorizerTokenRefresh: authorizerTokenRefreshResponseSchema,
  JssdkSignatureRequest: jssdkSignatureRequestSchema,
  JssdkSignature: jssdkSignatureResponseSchema,
  Error: errorResponseSchema,
  CreateAuthorizationLinkRequest: createLinkRequestSchema,
  CreatedAuthorizationLink: createLinkResponseSchema,
  AuthorizationLink: linkResponseSchema,
  Authorizer: authorizerRecordSchema,
  AuthorizerList: authorizerListResponseSchema,
  CreateWebhookEndpointRequest: createEndpointRequestSchema,
  CreatedWebhookEndpoint: createdEndpointResponseSchema,
  WebhookEndpoint: endpointDetailResponseSchema,
  WebhookEndpointList: endpointListResponseSchema,
  DeletedWebhookEndpoint: deletedEndpointResponseSchema,
  WebhookEndpointTest: endpointTestResponseSchema,
  WebhookBody: webhookBodySchema,
} as const;

type EventSchemaId = `WebhookData.${(typeof EVENT_TYPES)[number]}`;
/** Each event type's `data`, as its own component. */
const EVENT_SCHEMA_IDS = Object.fromEntries(
  EVENT_TYPES.map((type): [EventSchemaId, z.ZodType] => [`WebhookData.${type}`, EVENT_DATA_SCHEMAS[type]]),
) as Record<EventSchemaId, z.ZodType>;

type SchemaId = keyof typeof SCHEMA_IDS | EventSchemaId;

/** OpenAPI 3.1 declares the dialect once; per-schema $schema and $id would only repeat it. */
const withoutKeys = (schema: JsonSchema, keys: string[]) =>
  Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));

const ref = (id: SchemaId) => ({ $ref: `#/components/schemas/${id}` });

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) for every named schema, referencing each other by $ref. */
function buildComponentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries({ ...SCHEMA_IDS, ...EVENT_SCHEMA_IDS })) registry.add(schema, { id });
  // "input": objects stay open to new fields, so clients that validate answers survive additions.
  const { schemas } = z.toJSONSchema(registry, { target: "draft-2020-12", io: "input", uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutKeys(schema as JsonSchema, ["$schema", "$id"])]));
}

const json = (schema: JsonSchema) => ({ "application/json": { schema } });

const ERROR_ADVICE: Record<ApiErrorCode, string> = {
  invalid_request: "`invalid_request`: a path parameter or the body is wrong; `issues` names the fields.",
  unauthorized: "`unauthorized`: the API key is missing, invalid or revoked.",
  forbidden:
    "`forbidden`: the API key's scope does not cover this (the component token, this authorizer, or a write for a read-only key); `message` names the scope needed. Refusals are in the portal's audit log.",
  unknown_authorizer: "`unknown_authorizer`: this appid has not authorized the platform; send the merchant an authorization link.",
  needs_reauthorization:
    "`needs_reauthorization`: WeChat no longer accepts the authorizer's refresh token; the merchant must authorize again.",
  authorizer_revoked: "`authorizer_revoked`: the merchant revoked the authorization in WeChat; only they can authorize again.",
  not_found: "`not_found`: no such authorization link or webhook endpoint (or a deleted one).",
  payload_too_large: "`payload_too_large`: the body is over 16 KiB.",
  internal_error: "`internal_error`: a fault in the portal; `message` holds a reference for its operators.",
  wechat_error:
    "`wechat_error`: WeChat refused the call; `errcode` and `class` (retry, refresh, re-authorize, configuration, quota, client) say why.",
  wechat_unavailable: "`wechat_unavailable`: WeChat could not be reached or answered nonsense; retry shortly.",
  no_ticket:
    "`no_ticket`: no component_verify_ticket has arrived yet (WeChat pushes one every 10 minutes); retry after `Retry-After` seconds.",
  unavailable: "`unavailable`: the portal's database did not answer in time (busy or restarting); retry after `Retry-After` seconds.",
};

/** The error responses of an operation, grouped by status, each listing the codes it can carry. */
function errorResponses(codes: ApiErrorCode[]): Record<string, ResponseObject> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  // Any operation may meet a fault of ours or a database that is briefly out of reach.
  for (const code of [...codes, "internal_error" as const, "unavailable" as const]) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, group]) => [
        String(status),
        { description: group.map((code) => ERROR_ADVICE[code]).join("\n\n"), content: json(ref("Error")) },
      ]),
  );
}

const appidParameter = {
  name: "appid",
  in: "path",
  required: true,
  description: "The authorizer's appid.",
  schema: withoutKeys(z.toJSONSchema(authorizerAppidSchema, { target: "draft-2020-12" }) as JsonSchema, ["$schema"]),
};

const AUTHORIZER_ERRORS: ApiErrorCode[] = [
  "invalid_request",
  "unauthorized",
  "forbidden",
  "unknown_authorizer",
  "needs_reauthorization",
  "authorizer_revoked",
  "wechat_error",
  "wechat_unavailable",
  "no_ticket",
];

/** An operation on one authorizer (its appid in the path); one with a JSON body may be sent one too large. */
function authorizerOperation({
  request,
  ok,
  ...operation
}: Pick<Operation, "operationId" | "summary" | "description" | "tags"> & {
  request?: SchemaId;
  ok: { description: string; schema: SchemaId };
}): Operation {
  return {
    ...operation,
    parameters: [appidParameter],
    ...(request ? { requestBody: { required: true, content: json(ref(request)) } } : {}),
    responses: {
      "200": { description: ok.description, content: json(ref(ok.schema)) },
      ...errorResponses(request ? [...AUTHORIZER_ERRORS, "payload_too_large"] : AUTHORIZER_ERRORS),
    },
  };
}

const idParameter = (description: string, schema: JsonSchema = { type: "string", maxLength: 64 }) => ({
  name: "id",
  in: "path",
  required: true,
  description,
  schema,
});

const endpointIdParameter = idParameter(
  "The endpoint's id.",
  withoutKeys(z.toJSONSchema(endpointIdSchema, { target: "draft-2020-12" }) as JsonSchema, ["$schema"]),
);

const HUB_SCOPE = "Scope: `hub`. Reads only the authorizers the key covers (`authorizers`, or the `authorizer:<appid>` listed).";
const ENDPOINT_SCOPE = "Scope: `hub` and `authorizers` (every authorizer: an endpoint receives every authorizer's events).";

/** A hub operation: `ok` is its success status and body; `errors` the codes it can answer besides ours. */
function hubOperation({
  request,
  ok,
  errors,
  parameters,
  ...operation
}: Pick<Operation, "operationId" | "summary" | "description" | "tags"> & {
  parameters?: Record<string, unknown>[];
  request?: SchemaId;
  ok: { status: 200 | 201; description: string; schema: SchemaId };
  errors: ApiErrorCode[];
}): Operation {
  return {
    ...operation,
    ...(parameters ? { parameters } : {}),
    ...(request ? { requestBody: { required: true, content: json(ref(request)) } } : {}),
    responses: {
      [String(ok.status)]: { description: ok.description, content: json(ref(ok.schema)) },
      ...errorResponses(["unauthorized", "forbidden", ...errors, ...(request ? (["payload_too_large"] as const) : [])]),
    },
  };
}

function buildHubPaths(): OpenApiDocument["paths"] {
  return {
    "/authorization-links": {
      post: hubOperation({
        operationId: "createAuthorizationLink",
        summary: "A link for one of your merchants",
        description: `An authorization link (授权链接) carrying your \`merchant_ref\`: send \`authorize_page_url\` (computer) or \`h5_url\` (phone, in WeChat) to the merchant. The portal's pages ask WeChat for a fresh pre_auth_code whenever one is needed, so the link does not go stale before \`expires_at\` (7 days). When the merchant authorizes, the account is bound to \`merchant_ref\` and \`authorizer.authorized\` is sent to your webhook endpoints; when the link fails or expires, \`authorization_link.failed\`.\n\nScope: \`hub\`, and not \`read-only\`.`,
        tags: ["hub"],
        request: "CreateAuthorizationLinkRequest",
        ok: { status: 201, description: "The link.", schema: "CreatedAuthorizationLink" },
        errors: ["invalid_request"],
      }),
    },
    "/authorization-links/{id}": {
      get: hubOperation({
        operationId: "getAuthorizationLink",
        summary: "A link's status",
        description: `pending, completed (with the \`authorizer\`), failed, expired or cancelled (with the \`failure\`).\n\n${HUB_SCOPE} An authorizer outside them is given by its appid only.`,
        tags: ["hub"],
        parameters: [idParameter("The link's id (as created).")],
        ok: { status: 200, description: "The link.", schema: "AuthorizationLink" },
        errors: ["not_found"],
      }),
    },
    "/authorizers": {
      get: hubOperation({
        operationId: "listAuthorizers",
        summary: "Authorizers, by merchant and status",
        description: `The accounts that authorized the platform, most recently authorized first, in pages: pass \`next_cursor\` as \`cursor\` until it is null.\n\n${HUB_SCOPE}`,
        tags: ["hub"],
        parameters: [
          {
            name: "merchant_ref",
            in: "query",
            required: false,
            description: "Only accounts bound to this merchant.",
            schema: { type: "string", maxLength: 128 },
          },
          {
            name: "status",
            in: "query",
            required: false,
            description: "Only accounts in this status.",
            schema: { type: "string", enum: ["authorized", "updated", "revoked", "needs_reauthorization"] },
          },
          { name: "cursor", in: "query", required: false, description: "The previous page's next_cursor.", schema: { type: "string" } },
          {
            name: "limit",
            in: "query",
            required: false,
            description: "Page size (1-100, default 50).",
            schema: { type: "integer", minimum: 1, maximum: 100, default: 50 },
          },
        ],
        ok: { status: 200, description: "A page of authorizers.", schema: "AuthorizerList" },
        errors: ["invalid_request"],
      }),
    },
    "/authorizers/{appid}": {
      get: hubOperation({
        operationId: "getAuthorizer",
        summary: "One authorizer's record",
        description: `Its type, names, status, merchant_ref and permission sets (by id and name).\n\n${HUB_SCOPE}`,
        tags: ["hub"],
        parameters: [appidParameter],
        ok: { status: 200, description: "The authorizer.", schema: "Authorizer" },
        errors: ["invalid_request", "unknown_authorizer"],
      }),
    },
    "/webhook-endpoints": {
      get: hubOperation({
        operationId: "listWebhookEndpoints",
        summary: "Your webhook endpoints",
        description: `Newest first, without their secrets.\n\n${ENDPOINT_SCOPE}`,
        tags: ["webhooks"],
        ok: { status: 200, description: "The endpoints.", schema: "WebhookEndpointList" },
        errors: [],
      }),
      post: hubOperation({
        operationId: "createWebhookEndpoint",
        summary: "Receive the portal's events",
        description: `The portal sends the \`events\` chosen to \`url\` as Standard Webhooks (see \`webhooks\` in this document and the WebhookBody schema), signed with \`secret\`, which this answer alone holds. \`routes\` choose which authorizer messages (message.received) it gets, and whether it answers them synchronously.\n\n${ENDPOINT_SCOPE} Not \`read-only\`.`,
        tags: ["webhooks"],
        request: "CreateWebhookEndpointRequest",
        ok: { status: 201, description: "The endpoint and its secret.", schema: "CreatedWebhookEndpoint" },
        errors: ["invalid_request"],
      }),
    },
    "/webhook-endpoints/{id}": {
      get: hubOperation({
        operationId: "getWebhookEndpoint",
        summary: "One webhook endpoint",
        description: `With its routes, state and delivery counts (never its secret).\n\n${ENDPOINT_SCOPE}`,
        tags: ["webhooks"],
        parameters: [endpointIdParameter],
        ok: { status: 200, description: "The endpoint.", schema: "WebhookEndpoint" },
        errors: ["invalid_request", "not_found"],
      }),
      delete: hubOperation({
        operationId: "deleteWebhookEndpoint",
        summary: "Stop sending to an endpoint",
        description: `Nothing more is sent to it; its pending deliveries are failed.\n\n${ENDPOINT_SCOPE} Not \`read-only\`.`,
        tags: ["webhooks"],
        parameters: [endpointIdParameter],
        ok: { status: 200, description: "Deleted.", schema: "DeletedWebhookEndpoint" },
        errors: ["invalid_request", "not_found"],
      }),
    },
    "/webhook-endpoints/{id}/test": {
      post: hubOperation({
        operationId: "testWebhookEndpoint",
        summary: "Send a test event now",
        description: `A \`webhook.test\` event, signed like any other, sent to this endpoint only (kept in its delivery log, not retried); the answer says what the endpoint replied.\n\n${ENDPOINT_SCOPE} Not \`read-only\`.`,
        tags: ["webhooks"],
        parameters: [endpointIdParameter],
        ok: { status: 200, description: "What the endpoint answered.", schema: "WebhookEndpointTest" },
        errors: ["invalid_request", "not_found"],
      }),
    },
  };
}

const WEBHOOK_HEADERS = [
  { name: "webhook-id", description: "The event's id (msg_...): the same on every retry; deduplicate by it." },
  { name: "webhook-timestamp", description: "Unix seconds when this attempt was signed; refuse ones far from your clock." },
  {
    name: "webhook-signature",
    description:
      '`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the base64 after `whsec_`; two, space-separated, for a day after a secret rotation. Verify with any Standard Webhooks library.',
  },
].map(({ name, description }) => ({ name, in: "header", required: true, description, schema: { type: "string" } }));

/** One OpenAPI webhook per event type: the body, its data, the headers, and what the portal expects back. */
function buildWebhooks(): OpenApiDocument["webhooks"] {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `webhook.${type}`,
          summary: `The ${type} event`,
          description: `A WebhookBody with \`type\` "${type}" and \`data\` as WebhookData.${type}. Answer 2xx (for message.received reply routes, with the passive reply as the body); anything else, or no answer within the portal's timeout, is retried with backoff for at least 24 hours.`,
          tags: ["webhooks"],
          security: [],
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: json({
              allOf: [ref("WebhookBody"), { type: "object", properties: { type: { const: type }, data: ref(`WebhookData.${type}`) } }],
            }),
          },
          responses: { "200": { description: "Received (any 2xx)." } },
        },
      },
    ]),
  );
}

function buildPaths(): OpenApiDocument["paths"] {
  return {
    "/component/token": {
      get: {
        operationId: "getComponentToken",
        summary: "The component_access_token",
        description:
          "The platform's component_access_token, refreshed ahead of expiry once for every caller. Do not call api_component_token yourself: it would invalidate this one.\n\nScope: `component`. A read: read-only keys may call it.",
        tags: ["tokens"],
        responses: {
          "200": { description: "The current token.", content: json(ref("ComponentToken")) },
          ...errorResponses(["unauthorized", "forbidden", "wechat_error", "wechat_unavailable", "no_ticket"]),
        },
      },
    },
    "/authorizers/{appid}/token": {
      get: authorizerOperation({
        operationId: "getAuthorizerToken",
        summary: "An authorizer's access token",
        description:
          "The authorizer_access_token for calling the authorizer's APIs on its behalf (代调用). Refreshed by the portal ahead of expiry; do not refresh it yourself.\n\nScope: `authorizers` or `authorizer:<this appid>`. A read: read-only keys may call it.",
        tags: ["tokens"],
        ok: { description: "The current token.", schema: "AuthorizerToken" },
      }),
    },
    "/authorizers/{appid}/token/refresh": {
      post: authorizerOperation({
        operationId: "refreshAuthorizerToken",
        summary: "Replace an authorizer token WeChat rejected",
        description:
          "Report the token WeChat answered 40001 or 42001 to. While it is still the portal's current token, the portal asks WeChat for a new one (this spends the authorizer's api_authorizer_token quota); when the portal already replaced it, the newer token is answered and WeChat is not called. Call this only after a rejection: a valid token is refreshed ahead of expiry without you.\n\nScope: `authorizers` or `authorizer:<this appid>`, and not `read-only`: this is the token centre's one write.",
        tags: ["tokens"],
        request: "AuthorizerTokenRefreshRequest",
        ok: { description: "A token other than the rejected one.", schema: "AuthorizerTokenRefresh" },
      }),
    },
    "/authorizers/{appid}/jssdk-signature": {
      post: authorizerOperation({
        operationId: "createJssdkSignature",
        summary: "A JS-SDK signature for one of the authorizer's pages",
        description:
          "Signs `url` with the authorizer's jsapi_ticket (cached by the portal) for wx.config. The fragment (#...) is not signed, as WeChat requires.\n\nScope: `authorizers` or `authorizer:<this appid>`. A read (nothing is changed): read-only keys may call it.",
        tags: ["jssdk"],
        request: "JssdkSignatureRequest",
        ok: { description: "The wx.config fields.", schema: "JssdkSignature" },
      }),
    },
    ...buildHubPaths(),
    "/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        description: "The token centre's OpenAPI 3.1 description. No API key needed.",
        tags: ["meta"],
        security: [],
        responses: { "200": { description: "The OpenAPI document.", content: json({ type: "object", required: ["openapi", "paths"] }) } },
      },
    },
  };
}

export function buildOpenApiDocument({ serverUrl }: { serverUrl: string }): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: "Component Portal token centre",
      version: "1",
      description:
        "Tokens of the WeChat third-party platform (第三方平台) for the provider's own services, so that only the portal ever calls WeChat's token endpoints. Every error is JSON `{ error, message }`; `message` says what to do.\n\n" +
        "Each API key has a scope, set when the portal's operators create it: `component` (the component_access_token), `authorizers` (every authorizer's tokens and JS-SDK signatures) or `authorizer:<appid>` for each listed authorizer, `hub` (see below), and `read-only` (reads only: no POST /authorizers/{appid}/token/refresh, no links or webhook endpoints). A request outside the key's scope is answered 403 `forbidden` and recorded in the portal's audit log; an authorizer outside the scope is refused before it is looked up, so the answer does not tell whether it exists. Every token and signature handed out is counted per key and target for the portal's operators.\n\n" +
        "The hub (scope `hub`): authorization links carrying your own `merchant_ref`, the authorizers' records (within the key's authorizers) and webhook endpoints (for keys with every authorizer). Writes (links, endpoints, tests) need a key that is not `read-only`. The portal then sends Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`) to your endpoints: see `webhooks` below and the WebhookBody and WebhookData.* schemas.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [
      { name: "tokens", description: "Access tokens, always valid when handed out." },
      { name: "jssdk", description: "JS-SDK (wx.config) signatures." },
      { name: "hub", description: "Authorization links for your merchants, and the authorizers' records." },
      { name: "webhooks", description: "Where the portal sends lifecycle events and authorizer messages (Standard Webhooks)." },
      { name: "meta", description: "About this API." },
    ],
    paths: buildPaths(),
    webhooks: buildWebhooks(),
    components: {
      schemas: buildComponentSchemas(),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "An API key: `Authorization: Bearer cpk_...`." },
        apiKeyHeader: {
          type: "apiKey",
          in: "header",
          name: "X-Api-Key",
          description: "The same API key, for clients that cannot set Authorization.",
        },
      },
    },
  };
}
