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
  paths: Record<string, Partial<Record<"get" | "post", Operation>>>;
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
} as const;

type SchemaId = keyof typeof SCHEMA_IDS;

/** OpenAPI 3.1 declares the dialect once; per-schema $schema and $id would only repeat it. */
const withoutKeys = (schema: JsonSchema, keys: string[]) =>
  Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));

const ref = (id: SchemaId) => ({ $ref: `#/components/schemas/${id}` });

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) for every named schema, referencing each other by $ref. */
function buildComponentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(SCHEMA_IDS)) registry.add(schema, { id });
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
        "Each API key has a scope, set when the portal's operators create it: `component` (the component_access_token), `authorizers` (every authorizer's tokens and JS-SDK signatures) or `authorizer:<appid>` for each listed authorizer, and `read-only` (reads only: no POST /authorizers/{appid}/token/refresh). A request outside the key's scope is answered 403 `forbidden` and recorded in the portal's audit log; an authorizer outside the scope is refused before it is looked up, so the answer does not tell whether it exists. Every token and signature handed out is counted per key and target for the portal's operators.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [
      { name: "tokens", description: "Access tokens, always valid when handed out." },
      { name: "jssdk", description: "JS-SDK (wx.config) signatures." },
      { name: "meta", description: "About this API." },
    ],
    paths: buildPaths(),
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
