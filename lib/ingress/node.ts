// The lean ingress: answers the hot paths (routes.ts) straight from node:http, in the same process
// and on the same port as Next.js, which gets every other request. scripts/serve.mjs puts it in
// front of Next.js's request handler; instrumentation.ts hands it over (publishIngress) so that it
// runs on the very modules, database pool and caches the Next.js bundle uses.
//
// What Next.js would add is added here too: the static security headers and the API's CSP
// (next.config.ts), and the client's address in X-Forwarded-For the way proxy.ts and `next start`
// leave it (lib/client-address.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { getEnv } from "../env";
import type { PostedRequest } from "../http";
import { logger } from "../logger";
import { API_CONTENT_SECURITY_POLICY, STATIC_SECURITY_HEADERS } from "../security-headers";
import { matchIngressRoute, type IngressOutcome, type MatchedRoute } from "./routes";

const ANSWER_HEADERS: Record<string, string> = Object.fromEntries([
  ...STATIC_SECURITY_HEADERS.map(({ key, value }) => [key.toLowerCase(), value] as const),
  ["content-security-policy", API_CONTENT_SECURITY_POLICY],
]);

/**
 * The POST's query and body text; a body past `limit` bytes (declared or sent) is refused unread: the
 * rest is not read, and the connection closes after the answer.
 */
function readPosted(request: IncomingMessage, limit: number): Promise<PostedRequest> {
  const url = request.url ?? "/";
  const at = url.indexOf("?");
  const query = new URLSearchParams(at === -1 ? "" : url.slice(at + 1));
  if (Number(request.headers["content-length"] ?? 0) > limit) return Promise.resolve({ query, tooLarge: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off("data", onData);
      request.pause();
      resolve({ query, tooLarge: true });
    };
    request.on("data", onData);
    request.once("end", () => resolve({ query, body: Buffer.concat(chunks, size).toString("utf8") }));
    request.once("error", reject);
  });
}

/** The request's headers, with the address rule of proxy.ts + `next start` applied to X-Forwarded-For. */
export function toHeaders(request: IncomingMessage, { trustedHops = getEnv().trustedProxyHops }: { trustedHops?: number } = {}): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === "content-length" || name === "transfer-encoding") continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  // No trusted proxy: a client's own X-Forwarded-For is dropped; the socket's address is the only entry.
  if (trustedHops === 0 || !headers.has("x-forwarded-for")) {
    const socketAddress = request.socket.remoteAddress;
    if (socketAddress) headers.set("x-forwarded-for", socketAddress);
    else headers.delete("x-forwarded-for");
  }
  return headers;
}

async function writeAnswer(response: ServerResponse, answer: Response, closeAfter: boolean): Promise<void> {
  const body = Buffer.from(await answer.arrayBuffer());
  const headers: Record<string, string> = { ...ANSWER_HEADERS, "content-length": String(body.length) };
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (closeAfter) headers.connection = "close";
  response.writeHead(answer.status, headers);
  response.end(body);
}

type Pending = Set<Promise<unknown>>;
const holder = globalThis as unknown as { __portalIngressPending?: Pending };
const pending = (): Pending => (holder.__portalIngressPending ??= new Set());

function runAfterwards(afterwards: IngressOutcome["afterwards"]): void {
  if (!afterwards) return;
  const work = afterwards().catch((error: unknown) => logger.error({ err: error }, "work after the answer failed"));
  pending().add(work);
  void work.finally(() => pending().delete(work));
}

async function answer(request: IncomingMessage, response: ServerResponse, route: MatchedRoute) {
  try {
    // No web Request is built (one, with its AbortSignal, costs more than a token read).
    const outcome =
      route.kind === "read"
        ? await route.handle({ headers: toHeaders(request) })
        : await route.handle(await readPosted(request, route.maxBody));
    await writeAnswer(response, outcome.response, !request.complete);
    runAfterwards(outcome.afterwards);
  } catch (error) {
    logger.error({ err: error, path: request.url?.split("?")[0] }, "ingress request failed");
    if (!response.headersSent) response.writeHead(500, { ...ANSWER_HEADERS, "content-type": "text/plain; charset=utf-8" });
    response.end("internal error");
  }
}

/**
 * Answers `request` if it is for a hot path and returns true; false leaves it (unread) to Next.js.
 */
export function serveIngress(request: IncomingMessage, response: ServerResponse): boolean {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  const route = matchIngressRoute(request.method, query === -1 ? url : url.slice(0, query));
  if (!route) return false;
  void answer(request, response, route);
  return true;
}

/** Resolves once the work started after answers (push processing, message follow-ups) has ended. */
export async function drainIngress(): Promise<void> {
  while (pending().size > 0) await Promise.allSettled([...pending()]);
}

export type PublishedIngress = { serve: typeof serveIngress; drain: typeof drainIngress };

/** Called from instrumentation.ts: scripts/serve.mjs picks the ingress up from here once Next.js is prepared. */
export function publishIngress(): void {
  (globalThis as unknown as { __portalIngress?: PublishedIngress }).__portalIngress = { serve: serveIngress, drain: drainIngress };
}
