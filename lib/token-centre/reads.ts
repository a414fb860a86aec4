// The token centre's two hot reads, GET /api/v1/component/token and GET /api/v1/authorizers/{appid}/token:
// a request's headers in, a Response out, so the Next.js route handlers and the lean node:http ingress
// call the same functions. After the API key check (from memory too), the token is served from
// this process's memory while it can be proven fresh (memory.ts); otherwise it is read, or
// refreshed, through lib/credentials as before, and kept for the next request. The answer's JSON
// is checked against its documented schema once, when the token is kept, not per request.
import { getAuthorizerAccessToken } from "../credentials/authorizer-token";
import { getComponentAccessToken } from "../credentials/component-token";
import { isDue, isUsable } from "../credentials/refresh-policy";
import { getEnv } from "../env";
import type { RequestHeaders } from "../http";
import { startIngressTimer } from "../metrics";
import { requireScope } from "./authenticate";
import { recordIssuance } from "./issuance";
import { authorizerEntry, componentEntry, tokenCentreMemory, type ServedToken } from "./memory";
import { authorizerAppidSchema, authorizerTokenResponseSchema, componentTokenResponseSchema } from "./schemas";
import { parseInput, serveWithApiKey } from "./serve";

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" } as const;

const answer = (served: ServedToken) => new Response(served.body, { headers: JSON_HEADERS });

/** In memory and servable: not in its refresh window (then the caller refreshes it through the database). */
const servable = (served: ServedToken, now = new Date()) => !isDue(served.refreshAt, now) && isUsable(served.expiresAt, now);

/** The token under `entry`, from memory when fresh, else `load`ed (coalesced per process) and kept. */
async function servedToken(entry: string, load: () => Promise<ServedToken>): Promise<ServedToken> {
  const { listener, tokens } = tokenCentreMemory();
  if (listener.listening) {
    const kept = tokens.get(entry, (served) => servable(served));
    if (kept) return kept;
  }
  return tokens.fill(entry, load, (served) => listener.listening && servable(served));
}

/** GET /api/v1/component/token */
export function serveComponentToken(request: RequestHeaders): Promise<Response> {
  const timed = startIngressTimer("component_token");
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      await requireScope({ request, key, operation: "getComponentToken", access: { target: "component" } });
      const componentAppid = getEnv().component.appid;
      const served = await servedToken(componentEntry(componentAppid), async () => {
        const token = await getComponentAccessToken();
        const body = componentTokenResponseSchema.parse({
          component_appid: componentAppid,
          component_access_token: token.token,
          expires_at: token.expiresAt.toISOString(),
        });
        return { ...token, body: JSON.stringify(body) };
      });
      // Counted once the answer is built: a token that failed its schema was never handed out.
      recordIssuance({ apiKeyId: key.id, kind: "component_token", target: componentAppid });
      return answer(served);
    },
  }).finally(timed);
}

/** GET /api/v1/authorizers/{appid}/token */
export function serveAuthorizerToken(request: RequestHeaders, appidInPath: string): Promise<Response> {
  const timed = startIngressTimer("authorizer_token");
  return serveWithApiKey({
    request,
    handle: async ({ key }) => {
      const appid = parseInput({ schema: authorizerAppidSchema, value: appidInPath, what: "authorizer appid in the path", field: "appid" });
      await requireScope({ request, key, operation: "getAuthorizerToken", access: { target: "authorizer", appid, write: false } });
      // An authorizer revoked or needing re-authorization is never kept: its error is thrown on every read.
      const served = await servedToken(authorizerEntry(appid), async () => {
        const token = await getAuthorizerAccessToken(appid);
        const body = authorizerTokenResponseSchema.parse({
          authorizer_appid: appid,
          authorizer_access_token: token.token,
          expires_at: token.expiresAt.toISOString(),
        });
        return { ...token, body: JSON.stringify(body) };
      });
      recordIssuance({ apiKeyId: key.id, kind: "authorizer_token", target: appid });
      return answer(served);
    },
  }).finally(timed);
}
