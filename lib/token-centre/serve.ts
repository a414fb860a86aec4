// The frame of every token-centre route: authenticate the API key, run the handler, and turn
// whatever it throws into the JSON error of lib/token-centre/errors.ts.
import type { z } from "zod";
import { ApiError, describeZodIssues, toErrorResponse } from "./errors";
import { BodyTooLargeError, readBodyCapped, type RequestHeaders } from "../http";
import { authenticateRequest } from "./authenticate";
import type { AuthenticatedKey } from "./api-keys";

/** Token-centre request bodies are a URL or two; anything bigger is not a client of ours. */
export const MAX_API_BODY_BYTES = 16 * 1024;

export async function serveWithApiKey({
  request,
  handle,
}: {
  request: RequestHeaders;
  handle: (args: { key: AuthenticatedKey }) => Promise<Response>;
}): Promise<Response> {
  try {
    const key = await authenticateRequest(request);
    return await handle({ key });
  } catch (error) {
    return toErrorResponse(error);
  }
}

/** A 200 JSON answer, checked against its documented schema first (tokens are never cached). */
export function respondJson<T>({ schema, body }: { schema: z.ZodType<T>; body: T }): Response {
  return Response.json(schema.parse(body), { headers: { "cache-control": "no-store" } });
}

/** Validates one input (a path parameter named `field`, or the body) or throws invalid_request naming the fields. */
export function parseInput<T>({ schema, value, what, field }: { schema: z.ZodType<T>; value: unknown; what: string; field?: string }): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError({ code: "invalid_request", message: `The ${what} is not valid.`, issues: describeZodIssues(result.error, field) });
}

/** The JSON body, capped at MAX_API_BODY_BYTES. */
export async function readJsonBody(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = await readBodyCapped(request, MAX_API_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    throw new ApiError({ code: "payload_too_large", message: `The request body is larger than ${MAX_API_BODY_BYTES} bytes.` });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError({ code: "invalid_request", message: 'The request body must be JSON, e.g. {"url": "https://..."}.' });
  }
}
