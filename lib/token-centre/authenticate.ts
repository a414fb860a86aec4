// Who is calling the token centre: the API key from `Authorization: Bearer <key>` or `X-Api-Key`.
// Every failure is the same 401 shape; the message says what to fix without saying more than that.
import { ApiError } from "../api/errors";
import { logger } from "../logger";
import { verifyApiKey, type AuthenticatedKey } from "./api-keys";

const CHALLENGE = { "www-authenticate": 'Bearer realm="component-portal token centre"' };

const unauthorized = (message: string) => new ApiError({ code: "unauthorized", message, headers: CHALLENGE });

/** The key the request presents, "" when a header is there but holds no key, null when there is none. */
export function readPresentedKey(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization !== null) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? "";
  const header = headers.get("x-api-key");
  return header === null ? null : header.trim();
}

/** The calling key, or an ApiError (401) saying what is wrong with the request's credentials. */
export async function authenticateRequest(request: Request): Promise<AuthenticatedKey> {
  const presented = readPresentedKey(request.headers);
  if (presented === null) {
    throw unauthorized(
      "Missing API key: send it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`. The portal's operators create keys.",
    );
  }
  const check = await verifyApiKey({ presented });
  if (check.ok) return check.key;
  if (check.reason === "revoked") {
    logger.warn({ prefix: check.prefix }, "token centre: a revoked API key was used");
    throw unauthorized("This API key has been revoked: ask the portal's operators for a new one.");
  }
  throw unauthorized("Invalid API key: check that the whole key is sent, as `Authorization: Bearer <key>`.");
}
