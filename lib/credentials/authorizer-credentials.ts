// Each authorizer's authorizer_credentials row: where its values are sealed, and every write to it.
// Nothing else writes the table, so only here is `version` bumped: the compare-and-set counter that
// tells a caller whether the access token it was given has been replaced (or dropped) since.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { lifetimeTimes } from "./refresh-policy";
import { seal } from "./vault";

type Tx = Prisma.TransactionClient;

/** Where each value is sealed: bound as associated data (lib/credentials/vault.ts). */
export const accessContext = (appid: string) => `authorizer:${appid}:access_token`;
export const refreshContext = (appid: string) => `authorizer:${appid}:refresh_token`;
export const jsapiTicketContext = (appid: string) => `authorizer:${appid}:jsapi_ticket`;

/** What WeChat issued: an access token, and a refresh token when it gave one. */
export type IssuedTokens = { appid: string; accessToken: string; expiresIn: number; refreshToken?: string; now?: Date };

/** The sealed columns for a fresh access token (and refresh token, when WeChat gave one). */
export function sealAuthorizerTokens({ appid, accessToken, expiresIn, refreshToken, now = new Date() }: IssuedTokens) {
  const access = seal({ plaintext: accessToken, context: accessContext(appid) });
  const { expiresAt, refreshAt } = lifetimeTimes({ now, expiresInSeconds: expiresIn });
  const refresh = refreshToken ? seal({ plaintext: refreshToken, context: refreshContext(appid) }) : undefined;
  return {
    accessTokenEnc: access.ciphertext,
    accessTokenKeyId: access.keyId,
    accessTokenExpiresAt: expiresAt,
    accessTokenRefreshAt: refreshAt,
    ...(refresh ? { refreshTokenEnc: refresh.ciphertext, refreshTokenKeyId: refresh.keyId } : {}),
    lastRefreshedAt: now,
    lastErrorCode: null,
    lastError: null,
    lastErrorAt: null,
  };
}

/** The columns that cache short-lived tokens (never the refresh token), emptied. */
const CLEARED_TOKEN_CACHE = {
  accessTokenEnc: null,
  accessTokenKeyId: null,
  accessTokenExpiresAt: null,
  accessTokenRefreshAt: null,
  jsapiTicketEnc: null,
  jsapiTicketKeyId: null,
  jsapiTicketExpiresAt: null,
  jsapiTicketRefreshAt: null,
} as const;

/** CLEARED_TOKEN_CACHE as SQL SET items (each field's column is its snake_case name). */
const CLEARED_TOKEN_CACHE_SQL = Object.keys(CLEARED_TOKEN_CACHE)
  .map((field) => `${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)} = NULL`)
  .join(", ");

/** A grant (api_query_auth): enabled again, and any token cached before (jsapi_ticket included) belongs to the old grant. */
export async function storeGrant(tx: Tx, tokens: IssuedTokens): Promise<void> {
  const columns = sealAuthorizerTokens(tokens);
  await tx.authorizerCredential.upsert({
    where: { authorizerAppid: tokens.appid },
    create: { authorizerAppid: tokens.appid, ...columns },
    update: { ...CLEARED_TOKEN_CACHE, ...columns, disabledAt: null, version: { increment: 1 } },
  });
}

/** A refresh's answer, under the refresh's row lock: the version it read there becomes the next one. */
export async function storeRefreshedTokens(
  tx: Tx,
  { readVersion, ...tokens }: IssuedTokens & { readVersion: number },
): Promise<{ version: number; expiresAt: Date; refreshAt: Date }> {
  const columns = sealAuthorizerTokens(tokens);
  const version = readVersion + 1;
  await tx.authorizerCredential.update({ where: { authorizerAppid: tokens.appid }, data: { ...columns, version } });
  return { version, expiresAt: columns.accessTokenExpiresAt, refreshAt: columns.accessTokenRefreshAt };
}

/**
 * A refresh token WeChat handed back outside a refresh (api_get_authorizer_list / info): the
 * credential is enabled again and its access token cleared, so the next caller or the background
 * refresh obtains one.
 */
export async function storeRecoveredRefreshToken(tx: Tx, { appid, refreshToken }: { appid: string; refreshToken: string }): Promise<void> {
  const sealed = seal({ plaintext: refreshToken, context: refreshContext(appid) });
  const columns = { ...CLEARED_TOKEN_CACHE, refreshTokenEnc: sealed.ciphertext, refreshTokenKeyId: sealed.keyId, disabledAt: null };
  await tx.authorizerCredential.upsert({
    where: { authorizerAppid: appid },
    create: { authorizerAppid: appid, ...columns },
    update: { ...columns, version: { increment: 1 } },
  });
}

/** WeChat accepts no refresh token of this account any more: nothing is handed out; the tokens stay (history). */
export async function disableCredential(tx: Tx, { appid, at, reason }: { appid: string; at: Date; reason: string }): Promise<void> {
  await tx.authorizerCredential.update({ where: { authorizerAppid: appid }, data: { disabledAt: at, lastError: reason, lastErrorAt: at } });
}

/**
 * The account revoked its grant: disabled, and the tokens cached under it dropped (CLEARED_TOKEN_CACHE
 * and the version bump); the refresh token is kept. A CTE for the revocation's own statement
 * (lib/authorization/status.ts), given the placeholders of the appid and the time.
 */
export const revokeCredentialCte = ({ appid, at }: { appid: string; at: string }) => `credential AS (
  UPDATE authorizer_credentials SET disabled_at = ${at}, version = version + 1, updated_at = now(), ${CLEARED_TOKEN_CACHE_SQL}
  WHERE authorizer_appid = ${appid}
)`;

/** Drops cached tokens (the permission sets behind them changed); the next caller refreshes. */
export async function dropCachedAuthorizerTokens(appid: string): Promise<void> {
  await db().authorizerCredential.updateMany({
    where: { authorizerAppid: appid },
    data: { ...CLEARED_TOKEN_CACHE, version: { increment: 1 } },
  });
}

/** Why the last refresh failed, for the console; recording it never fails the caller. */
export async function recordRefreshFailure(appid: string, { code, message }: { code: number | null; message: string }): Promise<void> {
  await db()
    .authorizerCredential.update({
      where: { authorizerAppid: appid },
      data: { lastErrorCode: code, lastError: message, lastErrorAt: new Date() },
    })
    .catch(() => {});
}

/**
 * A jsapi_ticket, under the ticket refresh's row lock. `version` is left alone on purpose: it
 * guards the access token, which has not changed.
 */
export async function storeJsapiTicket(
  tx: Tx,
  { appid, ticket, expiresIn }: { appid: string; ticket: string; expiresIn: number },
): Promise<{ expiresAt: Date; refreshAt: Date }> {
  const { expiresAt, refreshAt } = lifetimeTimes({ expiresInSeconds: expiresIn });
  const sealed = seal({ plaintext: ticket, context: jsapiTicketContext(appid) });
  await tx.authorizerCredential.update({
    where: { authorizerAppid: appid },
    data: {
      jsapiTicketEnc: sealed.ciphertext,
      jsapiTicketKeyId: sealed.keyId,
      jsapiTicketExpiresAt: expiresAt,
      jsapiTicketRefreshAt: refreshAt,
    },
  });
  return { expiresAt, refreshAt };
}
