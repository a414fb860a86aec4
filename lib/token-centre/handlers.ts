// What each /api/v1 route answers. Route files only pass the request (and path parameters) here;
// tests call these functions with real Request objects.
import { getEnv } from "../env";
import { getAuthorizerAccessToken } from "../credentials/authorizer-token";
import { getComponentAccessToken } from "../credentials/component-token";
import { getJsapiTicket } from "../credentials/jsapi-ticket";
import { buildJsapiConfig } from "../wechat/jssdk";
import { buildOpenApiDocument } from "./openapi";
import {
  authorizerAppidSchema,
  authorizerTokenResponseSchema,
  componentTokenResponseSchema,
  jssdkSignatureRequestSchema,
  jssdkSignatureResponseSchema,
} from "./schemas";
import { parseInput, readJsonBody, respondJson, serveWithApiKey } from "./serve";

/** GET /api/v1/component/token */
export function handleComponentTokenRequest(request: Request): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async () => {
      const token = await getComponentAccessToken();
      return respondJson({
        schema: componentTokenResponseSchema,
        body: { component_appid: getEnv().component.appid, component_access_token: token.token, expires_at: token.expiresAt.toISOString() },
      });
    },
  });
}

/** GET /api/v1/authorizers/{appid}/token */
export function handleAuthorizerTokenRequest(request: Request, params: { appid: string }): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async () => {
      const appid = parseInput({
        schema: authorizerAppidSchema,
        value: params.appid,
        what: "authorizer appid in the path",
        field: "appid",
      });
      const token = await getAuthorizerAccessToken(appid);
      return respondJson({
        schema: authorizerTokenResponseSchema,
        body: { authorizer_appid: appid, authorizer_access_token: token.token, expires_at: token.expiresAt.toISOString() },
      });
    },
  });
}

/** The URL as WeChat signs it: without its #fragment. */
const withoutFragment = (url: string) => url.split("#", 1)[0] ?? url;

/** POST /api/v1/authorizers/{appid}/jssdk-signature */
export function handleJssdkSignatureRequest(request: Request, params: { appid: string }): Promise<Response> {
  return serveWithApiKey({
    request,
    handle: async () => {
      const appid = parseInput({
        schema: authorizerAppidSchema,
        value: params.appid,
        what: "authorizer appid in the path",
        field: "appid",
      });
      const { url } = parseInput({ schema: jssdkSignatureRequestSchema, value: await readJsonBody(request), what: "request body" });
      const ticket = await getJsapiTicket(appid);
      return respondJson({
        schema: jssdkSignatureResponseSchema,
        body: buildJsapiConfig({ appId: appid, jsapiTicket: ticket.ticket, url: withoutFragment(url) }),
      });
    },
  });
}

/** GET /api/v1/openapi.json: public, so tools can read it without a key. */
export function handleOpenApiRequest(): Response {
  return Response.json(buildOpenApiDocument({ serverUrl: `${getEnv().publicBaseUrl}/api/v1` }), {
    headers: { "cache-control": "public, max-age=300" },
  });
}
