// Who is calling the token centre: the API key from `Authorization: Bearer <key>` or `X-Api-Key`.
// Every failure is the same 401 shape; the message says what to fix without saying more than that.
// What the key may do is its scope: a request outside it is a 403, and in the audit log.
import { ApiError } from "./errors";
import type { RequestHeaders } from "../http";
import { recordAudit } from "../audit";
import { getClientAddress } from "../client-address";
import { logger } from "../logger";
import { verifyApiKey, type AuthenticatedKey } from "./api-keys";
import { missingScope, summarizeScope, type TokenCentreAccess } from "./scopes";

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
export async function authenticateRequest(request: RequestHeaders): Promise<AuthenticatedKey> {
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

/**
 * Throws 403 `forbidden` (audited) unless the key's scope allows `access`. Called after the input
 * is validated and before anything is looked up, so a key learns nothing about authorizers
 * outside its scope, not even whether they exist.
 */
export async function requireScope({
  request,
  key,
  operation,
  access,
}: {
  request: RequestHeaders;
  key: AuthenticatedKey;
  operation: string;
  access: TokenCentreAccess;
}): Promise<void> {
  const missing = missingScope(key.scope, access);
  if (missing === null) return;
  const target = access.target === "component" ? "component" : `authorizer:${access.appid}`;
  const address = getClientAddress(request.headers);
  // A refusal is answered even when the audit log cannot take it; the log line says so.
  await recordAudit({
    actorType: "api_key",
    actorId: key.id,
    action: "token_centre.forbidden",
    target,
    details: { operation, needed: missing, prefix: key.prefix, scope: summarizeScope(key.scope) },
    ip: address === "unknown" ? null : address.slice(0, 64),
  }).catch((error: unknown) => logger.error({ err: error, apiKeyId: key.id, operation }, "token centre: could not audit a refusal"));
  throw new ApiError({
    code: "forbidden",
    message: `This API key (${key.prefix}) may not do this: it needs the scope ${missing}, and its scope is ${summarizeScope(key.scope)}. Ask the portal's operators for a key with that scope.`,
  });
}
