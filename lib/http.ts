// Small HTTP helpers for route handlers.
import { isDatabaseUnavailable } from "./db/errors";
import { logger } from "./logger";

/** What a read (a GET answered from its headers alone) needs of a request: the lean ingress builds no Request for it. */
export type RequestHeaders = Pick<Request, "headers">;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * A POST as the hot paths read it (lib/ingress/routes.ts): its query and its body's text, or only
 * that the body passed the route's limit (nothing more of it is read).
 */
export type PostedRequest = { query: URLSearchParams; body: string } | { query: URLSearchParams; tooLarge: true };

/** A web Request (a route handler's, under Next.js) as a PostedRequest: read up to `limit` bytes. */
export async function readPosted(request: Request, limit: number): Promise<PostedRequest> {
  const query = new URL(request.url).searchParams;
  try {
    return { query, body: await readBodyCapped(request, limit) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { query, tooLarge: true };
    throw error;
  }
}

/** Reads a request body as UTF-8, refusing (without reading on) once it passes `limit` bytes. */
export async function readBodyCapped(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new BodyTooLargeError(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export const textResponse = (body: string, status = 200) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });

/** 503 + Retry-After: the database could not be reached in time; the caller retries. */
export const databaseUnavailableResponse = (json: boolean) => {
  const headers = { "retry-after": "5", "cache-control": "no-store" };
  return json
    ? Response.json({ error: "unavailable", message: "The database is unavailable; retry shortly." }, { status: 503, headers })
    : new Response("temporarily unavailable", { status: 503, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
};

/**
 * Wraps a route handler so that a database that cannot be reached in time (pool exhausted past its
 * connect timeout, server down) is answered 503 instead of a bare 500. Anything else is rethrown.
 * The handler may answer more than a Response (the ingress's outcomes); the 503 is a bare Response.
 */
export function guardDatabase<Args extends unknown[], Result = Response>(
  handler: (...args: Args) => Promise<Result>,
  { json = true }: { json?: boolean } = {},
): (...args: Args) => Promise<Result | Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      logger.warn({ err: error }, "request refused: database unavailable");
      return databaseUnavailableResponse(json);
    }
  };
}
