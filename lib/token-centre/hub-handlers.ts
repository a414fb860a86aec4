// What the hub's /api/v1 routes answer: authorization links for the provider's merchants, the
// authorizers' records, and webhook endpoints. Every route needs the key's `hub` scope; writes need a
// key that is not read-only; an authorizer's record only within the key's authorizers; endpoints
// (which receive every authorizer's events) a key for every authorizer. Creating a link or an
// endpoint, deleting or testing one is in the audit log under the key.
import { closesAt, createAttempt } from "../authorization/attempts";
import { namedSets } from "../authorization/lifecycle-events";
import { recordAudit } from "../audit";
import { getClientAddress } from "../client-address";
import { db } from "../db";
import { getEnv } from "../env";
import type { Prisma } from "../generated/prisma/client";
import { buildPhonePageUrl, PC_PAGE_PATH } from "../merchant/urls";
import { sendTestEvent } from "../webhooks/deliveries";
import { createEndpoint, deleteEndpoint, EndpointInputError, getEndpoint, listEndpoints, type EndpointView } from "../webhooks/endpoints";
import type { AuthenticatedKey } from "./api-keys";
import { requireScope } from "./authenticate";
import { ApiError } from "./errors";
import {
  authorizerListQuerySchema,
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
  linkResponseSchema,
} from "./hub-schemas";
import { authorizerAppidSchema } from "./schemas";
import { seesAuthorizer, type TokenCentreAccess } from "./scopes";
import { parseInput, readJsonBody, respondJson, serveWithApiKey } from "./serve";

type Hub = { key: AuthenticatedKey };

/** serveWithApiKey after the hub scope check for `access` (the `operation` names it in refusals). */
function serveHub(
  request: Request,
  {
    operation,
    access,
    status = 200,
  }: { operation: string; access: Omit<Extract<TokenCentreAccess, { target: "hub" }>, "target">; status?: number },
  handle: (hub: Hub) => Promise<Response>,
): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      await requireScope({ request, key, operation, access: { target: "hub", ...access } });
      const response = await handle({ key });
      return status === 200 ? response : new Response(response.body, { status, headers: response.headers });
    },
  });
}

const auditAsKey = (request: Request, key: AuthenticatedKey, entry: { action: string; target: string; details: Prisma.InputJsonValue }) => {
  const address = getClientAddress(request.headers);
  return recordAudit({
    actorType: "api_key",
    actorId: key.id,
    ip: address === "unknown" ? null : address.slice(0, 64),
    ...entry,
  });
};

const iso = (value: Date | null) => (value ? value.toISOString() : null);

const linkUrls = (id: string) => {
  const baseUrl = getEnv().publicBaseUrl;
  const page = new URL(PC_PAGE_PATH, baseUrl);
  page.searchParams.set("attempt", id);
  return { authorize_page_url: page.toString(), h5_url: buildPhonePageUrl({ baseUrl, attemptId: id }) };
};

// ——— Authorization links ———

/** POST /api/v1/authorization-links */
export function handleCreateLinkRequest(request: Request): Promise<Response> {
  return serveHub(request, { operation: "createAuthorizationLink", access: { write: true }, status: 201 }, async ({ key }) => {
    const body = parseInput({ schema: createLinkRequestSchema, value: await readJsonBody(request), what: "request body" });
    const permissionSetIds = [...new Set(body.category_id_list ?? [])].sort((a, b) => a - b);
    const attempt = await createAttempt(
      {
        authType: body.auth_type,
        bizAppid: body.biz_appid,
        permissionSetIds,
        merchantRef: body.merchant_ref,
        returnUrl: body.return_url,
      },
      { link: true, mint: false },
    );
    await auditAsKey(request, key, {
      action: "link.created",
      target: body.biz_appid ?? `attempt:${attempt.id}`,
      details: {
        attemptId: attempt.id,
        authType: body.auth_type,
        bizAppid: body.biz_appid ?? null,
        permissionSetIds,
        merchantRef: body.merchant_ref,
        returnUrl: body.return_url ?? null,
        prefix: key.prefix,
      },
    });
    return respondJson({
      schema: createLinkResponseSchema,
      body: {
        id: attempt.id,
        merchant_ref: body.merchant_ref,
        ...linkUrls(attempt.id),
        expires_at: attempt.expiresAt.toISOString(),
        status: attempt.status,
      },
    });
  });
}

const linkNotFound = (id: string) => new ApiError({ code: "not_found", message: `No authorization link ${id}.` });

const failureOf = (status: string, result: unknown) => {
  if (status !== "failed" && status !== "expired" && status !== "cancelled") return null;
  const fields = (result ?? {}) as { reason?: unknown; errcode?: unknown };
  return {
    reason: typeof fields.reason === "string" ? fields.reason : status,
    errcode: typeof fields.errcode === "number" ? fields.errcode : null,
  };
};

/** GET /api/v1/authorization-links/{id} */
export function handleGetLinkRequest(request: Request, params: { id: string }): Promise<Response> {
  return serveHub(request, { operation: "getAuthorizationLink", access: { write: false } }, async ({ key }) => {
    const id = params.id;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw linkNotFound(id.slice(0, 64));
    const now = new Date();
    const row = await db().authorizationAttempt.findFirst({
      where: { id, componentAppid: getEnv().component.appid },
      include: { authorizer: { select: { appid: true, accountType: true, nickName: true, principalName: true, status: true } } },
    });
    if (!row) throw linkNotFound(id);
    // A pending link past its close is expired, as the console counts it, before the sweep writes it down.
    const status = row.status === "pending" && closesAt(row) <= now ? "expired" : row.status;
    const account = row.authorizer;
    return respondJson({
      schema: linkResponseSchema,
      body: {
        id: row.id,
        merchant_ref: row.merchantRef,
        status,
        created_at: row.createdAt.toISOString(),
        expires_at: closesAt(row).toISOString(),
        completed_at: iso(row.completedAt),
        ...linkUrls(row.id),
        return_url: row.returnUrl,
        authorizer: !account
          ? null
          : seesAuthorizer(key.scope, account.appid)
            ? {
                appid: account.appid,
                account_type: account.accountType,
                nick_name: account.nickName,
                principal_name: account.principalName,
                status: account.status,
              }
            : { appid: account.appid },
        failure: failureOf(status, row.status === "pending" ? { reason: "expired" } : row.result),
      },
    });
  });
}

// ——— Authorizers ———

const authorizerSelect = {
  appid: true,
  componentAppid: true,
  accountType: true,
  nickName: true,
  principalName: true,
  status: true,
  merchantRef: true,
  authorizedAt: true,
  permissionSets: { select: { funcscopeId: true } },
} as const satisfies Prisma.AuthorizerSelect;

type AuthorizerRow = Prisma.AuthorizerGetPayload<{ select: typeof authorizerSelect }>;

const toRecord = (row: AuthorizerRow) => ({
  appid: row.appid,
  component_appid: row.componentAppid,
  account_type: row.accountType,
  nick_name: row.nickName,
  principal_name: row.principalName,
  status: row.status,
  merchant_ref: row.merchantRef,
  authorized_at: row.authorizedAt.toISOString(),
  permission_sets: namedSets(row.permissionSets.map((set) => set.funcscopeId)),
});

type ListCursor = { at: Date; appid: string };

const encodeListCursor = ({ at, appid }: ListCursor) => Buffer.from(`${at.toISOString()} ${appid}`, "utf8").toString("base64url");

function decodeListCursor(value: string): ListCursor {
  const [at, appid] = Buffer.from(value, "base64url").toString("utf8").split(" ");
  const date = at ? new Date(at) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()) || !appid || !authorizerAppidSchema.safeParse(appid).success) {
    throw new ApiError({
      code: "invalid_request",
      message: "The query is not valid.",
      issues: [{ path: "cursor", message: "cursor must be a next_cursor this API answered" }],
    });
  }
  return { at: date, appid };
}

/** GET /api/v1/authorizers: keyset pages on (authorized_at desc, appid desc), within the key's authorizers. */
export function handleListAuthorizersRequest(request: Request): Promise<Response> {
  return serveHub(request, { operation: "listAuthorizers", access: { write: false } }, async ({ key }) => {
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const query = parseInput({ schema: authorizerListQuerySchema, value: params, what: "query", field: "(query)" });
    const cursor = query.cursor ? decodeListCursor(query.cursor) : undefined;
    const { authorizers } = key.scope;
    const rows = await db().authorizer.findMany({
      where: {
        componentAppid: getEnv().component.appid,
        ...(authorizers === "all" ? {} : { appid: { in: authorizers } }),
        ...(query.merchant_ref ? { merchantRef: query.merchant_ref } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(cursor ? { OR: [{ authorizedAt: { lt: cursor.at } }, { authorizedAt: cursor.at, appid: { lt: cursor.appid } }] } : {}),
      },
      orderBy: [{ authorizedAt: "desc" }, { appid: "desc" }],
      take: query.limit + 1,
      select: authorizerSelect,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return respondJson({
      schema: authorizerListResponseSchema,
      body: {
        data: page.map(toRecord),
        next_cursor: rows.length > query.limit && last ? encodeListCursor({ at: last.authorizedAt, appid: last.appid }) : null,
      },
    });
  });
}

/** GET /api/v1/authorizers/{appid} */
export function handleGetAuthorizerRequest(request: Request, params: { appid: string }): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      const appid = parseInput({
        schema: authorizerAppidSchema,
        value: params.appid,
        what: "authorizer appid in the path",
        field: "appid",
      });
      await requireScope({ request, key, operation: "getAuthorizer", access: { target: "hub", write: false, appid } });
      const row = await db().authorizer.findFirst({ where: { appid, componentAppid: getEnv().component.appid }, select: authorizerSelect });
      if (!row) {
        throw new ApiError({
          code: "unknown_authorizer",
          message: `${appid} has not authorized the platform; send the merchant an authorization link.`,
        });
      }
      return respondJson({ schema: authorizerRecordSchema, body: toRecord(row) });
    },
  });
}

// ——— Webhook endpoints ———

const ENDPOINT_ACCESS = { everyAuthorizer: true } as const;

function endpointBody(view: EndpointView) {
  return {
    id: view.id,
    url: view.url,
    events: view.events,
    description: view.description,
    routes: view.routes.map((route) => ({
      id: route.id,
      authorizer_appid: route.authorizerAppid,
      merchant_ref: route.merchantRef,
      msg_type: route.msgType,
      event: route.event,
      reply: route.reply,
    })),
    state: view.disabledAt ? ("disabled" as const) : view.failingSince ? ("failing" as const) : ("active" as const),
    failing_since: iso(view.failingSince),
    last_success_at: iso(view.lastSuccessAt),
    disabled_at: iso(view.disabledAt),
    disabled_reason: view.disabledReason,
    created_at: view.createdAt.toISOString(),
  };
}

const parseEndpointId = (value: string) =>
  parseInput({ schema: endpointIdSchema, value, what: "endpoint id in the path", field: "id" }).toLowerCase();

const endpointNotFound = (id: string) => new ApiError({ code: "not_found", message: `No webhook endpoint ${id}.` });

/** POST /api/v1/webhook-endpoints */
export function handleCreateEndpointRequest(request: Request): Promise<Response> {
  return serveHub(
    request,
    { operation: "createWebhookEndpoint", access: { write: true, ...ENDPOINT_ACCESS }, status: 201 },
    async ({ key }) => {
      const body = parseInput({ schema: createEndpointRequestSchema, value: await readJsonBody(request), what: "request body" });
      let created: Awaited<ReturnType<typeof createEndpoint>>;
      try {
        created = await createEndpoint({
          url: body.url,
          events: body.events,
          description: body.description ?? null,
          routes: (body.routes ?? []).map((route) => ({
            authorizerAppid: route.authorizer_appid,
            merchantRef: route.merchant_ref,
            msgType: route.msg_type,
            event: route.event,
            reply: route.reply ?? false,
          })),
          createdByApiKeyId: key.id,
        });
      } catch (error) {
        if (!(error instanceof EndpointInputError)) throw error;
        throw new ApiError({ code: "invalid_request", message: "The request body is not valid.", issues: error.issues });
      }
      await auditAsKey(request, key, {
        action: "webhook.endpoint_created",
        target: `webhook:${created.id}`,
        details: { url: created.url, events: created.events, routes: created.routes.length, prefix: key.prefix },
      });
      return respondJson({ schema: createdEndpointResponseSchema, body: { ...endpointBody(created), secret: created.secret } });
    },
  );
}

/** GET /api/v1/webhook-endpoints */
export function handleListEndpointsRequest(request: Request): Promise<Response> {
  return serveHub(request, { operation: "listWebhookEndpoints", access: { write: false, ...ENDPOINT_ACCESS } }, async () =>
    respondJson({ schema: endpointListResponseSchema, body: { data: (await listEndpoints()).map(endpointBody) } }),
  );
}

/** GET /api/v1/webhook-endpoints/{id} */
export function handleGetEndpointRequest(request: Request, params: { id: string }): Promise<Response> {
  return serveHub(request, { operation: "getWebhookEndpoint", access: { write: false, ...ENDPOINT_ACCESS } }, async () => {
    const id = parseEndpointId(params.id);
    const endpoint = await getEndpoint(id);
    if (!endpoint) throw endpointNotFound(id);
    return respondJson({
      schema: endpointDetailResponseSchema,
      body: { ...endpointBody(endpoint), delivery_counts: endpoint.deliveryCounts },
    });
  });
}

/** DELETE /api/v1/webhook-endpoints/{id} */
export function handleDeleteEndpointRequest(request: Request, params: { id: string }): Promise<Response> {
  return serveHub(request, { operation: "deleteWebhookEndpoint", access: { write: true, ...ENDPOINT_ACCESS } }, async ({ key }) => {
    const id = parseEndpointId(params.id);
    if (!(await deleteEndpoint(id))) throw endpointNotFound(id);
    await auditAsKey(request, key, { action: "webhook.endpoint_deleted", target: `webhook:${id}`, details: { prefix: key.prefix } });
    return respondJson({ schema: deletedEndpointResponseSchema, body: { id, deleted: true } });
  });
}

/** POST /api/v1/webhook-endpoints/{id}/test: a webhook.test event, sent now, answered with what the endpoint said. */
export function handleTestEndpointRequest(request: Request, params: { id: string }): Promise<Response> {
  return serveHub(request, { operation: "testWebhookEndpoint", access: { write: true, ...ENDPOINT_ACCESS } }, async ({ key }) => {
    const id = parseEndpointId(params.id);
    if (!(await getEndpoint(id))) throw endpointNotFound(id);
    const outcome = await sendTestEvent(id);
    await auditAsKey(request, key, {
      action: "webhook.test_sent",
      target: `webhook:${id}`,
      details: { ok: outcome.ok, status: outcome.status, prefix: key.prefix },
    });
    return respondJson({
      schema: endpointTestResponseSchema,
      body: {
        delivered: outcome.ok,
        status: outcome.status,
        latency_ms: Math.round(outcome.latencyMs),
        response: outcome.response.slice(0, 1000),
        error: outcome.error,
      },
    });
  });
}
