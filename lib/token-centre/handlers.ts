// What each /api/v1 route answers (the two token reads are in reads.ts, for the lean ingress too).
// Route files only pass the request (and path parameters) here;
// tests call these functions with real Request objects. Each checks the key's scope before it
// looks anything up, and counts what it handed out (issuance.ts, in memory) once it has.
import { createHash, timingSafeEqual } from "node:crypto";
import { getEnv } from "../env";
import { getAuthorizerAccessToken, refreshAuthorizerToken } from "../credentials/authorizer-token";
import { getJsapiTicket } from "../credentials/jsapi-ticket";
import { buildJsapiConfig } from "../wechat/jssdk";
import { requireScope } from "./authenticate";
import { recordIssuance } from "./issuance";
import { buildOpenApiDocument } from "./openapi";
import {
  authorizerAppidSchema,
  authorizerTokenRefreshRequestSchema,
  authorizerTokenRefreshResponseSchema,
  jssdkSignatureRequestSchema,
  jssdkSignatureResponseSchema,
} from "./schemas";
import { parseInput, readJsonBody, respondJson, serveWithApiKey } from "./serve";

const parseAppid = (value: string) =>
  parseInput({ schema: authorizerAppidSchema, value, what: "authorizer appid in the path", field: "appid" });

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
/** Constant time: the caller holds a key for this authorizer, but tokens are compared like secrets anyway. */
const sameToken = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * POST /api/v1/authorizers/{appid}/token/refresh: a service reports the token WeChat rejected
 * (40001/42001). Refreshed only while that token is still the current one, so many services
 * reporting the same token cause one refresh in this process, and a report of a token already
 * replaced costs no call to WeChat. Needs a key that is not read-only.
 */
export function handleAuthorizerTokenRefreshRequest(request: Request, params: { appid: string }): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      const appid = parseAppid(params.appid);
      await requireScope({ request, key, operation: "refreshAuthorizerToken", access: { target: "authorizer", appid, write: true } });
      const { rejected_token: rejected } = parseInput({
        schema: authorizerTokenRefreshRequestSchema,
        value: await readJsonBody(request),
        what: "request body",
      });
      const current = await getAuthorizerAccessToken(appid);
      const refreshed = sameToken(current.token, rejected);
      const token = refreshed ? await refreshAuthorizerToken(appid, { force: true }) : current;
      const response = respondJson({
        schema: authorizerTokenRefreshResponseSchema,
        body: { authorizer_appid: appid, authorizer_access_token: token.token, expires_at: token.expiresAt.toISOString(), refreshed },
      });
      recordIssuance({ apiKeyId: key.id, kind: "authorizer_token_refresh", target: appid });
      return response;
    },
  });
}

/** The URL as WeChat signs it: without its #fragment. */
const withoutFragment = (url: string) => url.split("#", 1)[0] ?? url;

/** POST /api/v1/authorizers/{appid}/jssdk-signature */
export function handleJssdkSignatureRequest(request: Request, params: { appid: string }): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      const appid = parseAppid(params.appid);
      await requireScope({ request, key, operation: "createJssdkSignature", access: { target: "authorizer", appid, write: false } });
      const { url } = parseInput({ schema: jssdkSignatureRequestSchema, value: await readJsonBody(request), what: "request body" });
      const ticket = await getJsapiTicket(appid);
      const response = respondJson({
        schema: jssdkSignatureResponseSchema,
        body: buildJsapiConfig({ appId: appid, jsapiTicket: ticket.ticket, url: withoutFragment(url) }),
      });
      recordIssuance({ apiKeyId: key.id, kind: "jssdk_signature", target: appid });
      return response;
    },
  });
}

/** GET /api/v1/openapi.json: public, so tools can read it without a key. */
export function handleOpenApiRequest(): Response {
  return Response.json(buildOpenApiDocument({ serverUrl: `${getEnv().publicBaseUrl}/api/v1` }), {
    headers: { "cache-control": "public, max-age=300" },
  });
}
