// The portal's hot paths as one table: WeChat's event URL and message URL, and the token centre's two
// reads. Both servers answer them with these functions: the Next.js route handlers (thin adapters,
// for `next dev` and the route tests) and the lean node:http ingress (node.ts) that `npm start` runs
// in front of Next.js, so a push or a token read never pays the framework's per-request cost.
// `afterwards` is work to run once the answer has gone (Next.js's after(), or the ingress's own).
import { MAX_PUSH_BYTES, processStoredPush, receiveComponentPush } from "../authorization/pushes";
import { guardDatabase, textResponse, type PostedRequest, type RequestHeaders } from "../http";
import { logger } from "../logger";
import { MAX_MESSAGE_BYTES, receiveAuthorizerMessage, refuseMessageGet } from "../messages/receive";
import { serveAuthorizerToken, serveComponentToken } from "../token-centre/reads";

export type IngressOutcome = { response: Response; afterwards?: () => Promise<void> };

/** POST /api/wechat/component/events: stored before `success`; processed once the answer has gone. */
export async function acceptComponentPush(posted: PostedRequest): Promise<IngressOutcome> {
  if ("tooLarge" in posted) {
    logger.warn({ limit: MAX_PUSH_BYTES }, "push refused: body too large");
    return { response: textResponse(`request body larger than ${MAX_PUSH_BYTES} bytes`, 413) };
  }
  try {
    const result = await receiveComponentPush(posted);
    if (!result.ok) {
      logger.warn({ status: result.status, reason: result.reason }, "push refused");
      return { response: textResponse(result.reason, result.status) };
    }
    logger.info({ pushId: result.pushId, infoType: result.infoType, duplicate: result.duplicate }, "push stored");
    return {
      response: textResponse("success"),
      afterwards: result.processed ? undefined : () => processStoredPush(result.pushId).then(() => undefined),
    };
  } catch (error) {
    // Not stored, so not acknowledged: WeChat retries, and nothing is lost.
    logger.error({ err: error }, "push could not be stored");
    return { response: textResponse("temporarily unavailable", 503) };
  }
}

const guardedMessage = guardDatabase(
  (posted: PostedRequest, appid: string): Promise<IngressOutcome> => receiveAuthorizerMessage({ posted, appid }),
  { json: false },
);

/** POST /api/wechat/messages/{appid}: 503 (WeChat retries) when the database cannot be reached in time. */
export async function acceptAuthorizerMessage(posted: PostedRequest, appid: string): Promise<IngressOutcome> {
  const outcome = await guardedMessage(posted, appid);
  return outcome instanceof Response ? { response: outcome } : outcome;
}

const answered = async (response: Promise<Response> | Response): Promise<IngressOutcome> => ({ response: await response });

/** A POST: its query and body, read up to maxBody. */
type BodyRoute = {
  kind: "body";
  method: "POST";
  path: RegExp;
  /** The largest body the route reads; a longer one is refused (413) without reading on. */
  maxBody: number;
  handle: (posted: PostedRequest, param: string) => Promise<IngressOutcome>;
};
/** A GET answered from the request's headers alone. */
type ReadRoute = { kind: "read"; method: "GET"; path: RegExp; handle: (request: RequestHeaders, param: string) => Promise<IngressOutcome> };

const ROUTES: readonly (BodyRoute | ReadRoute)[] = [
  { kind: "body", method: "POST", path: /^\/api\/wechat\/component\/events$/, maxBody: MAX_PUSH_BYTES, handle: acceptComponentPush },
  { kind: "body", method: "POST", path: /^\/api\/wechat\/messages\/([^/]+)$/, maxBody: MAX_MESSAGE_BYTES, handle: acceptAuthorizerMessage },
  { kind: "read", method: "GET", path: /^\/api\/wechat\/messages\/([^/]+)$/, handle: () => answered(refuseMessageGet()) },
  { kind: "read", method: "GET", path: /^\/api\/v1\/component\/token$/, handle: (request) => answered(serveComponentToken(request)) },
  {
    kind: "read",
    method: "GET",
    path: /^\/api\/v1\/authorizers\/([^/]+)\/token$/,
    handle: (request, appid) => answered(serveAuthorizerToken(request, appid)),
  },
];

export type MatchedRoute =
  | { kind: "body"; maxBody: number; handle: (posted: PostedRequest) => Promise<IngressOutcome> }
  | { kind: "read"; handle: (request: RequestHeaders) => Promise<IngressOutcome> };

/**
 * The hot path a request is for, or undefined (everything else, other methods and paths Next.js
 * would redirect or refuse included, goes to Next.js). The path's parameter is decoded as Next.js
 * decodes it; one that cannot be decoded is left to Next.js too.
 */
export function matchIngressRoute(method: string | undefined, pathname: string): MatchedRoute | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.path.exec(pathname);
    if (!match) continue;
    let param = "";
    try {
      param = match[1] === undefined ? "" : decodeURIComponent(match[1]);
    } catch {
      return undefined;
    }
    if (route.kind === "read") return { kind: "read", handle: (request) => route.handle(request, param) };
    return { kind: "body", maxBody: route.maxBody, handle: (posted) => route.handle(posted, param) };
  }
  return undefined;
}
