// Each authorizer's access token (7200 s) and refresh token (long-lived: losing it forces the
// merchant to authorize again). Refreshed ahead of expiry, once across instances (row lock +
// version), and a rotated refresh token is saved in the same write as the access token.
import type { Prisma } from "../generated/prisma/client";
import type { AuthorizerStatus } from "../generated/prisma/enums";
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { recordAudit } from "../audit";
import { wechatApi } from "../upstream";
import { WeChatApiError, WeChatTransportError } from "../wechat/errors";
import { accessContext, recordRefreshFailure, refreshContext, storeRefreshedTokens } from "./authorizer-credentials";
import { CredentialError, MissingCredential } from "./errors";
import { getComponentAccessToken, isTokenRejected, replaceRejectedComponentToken } from "./component-token";
import { recordGrantLoss } from "./grant-loss";
import { refreshUnderLock, singleFlight } from "./refresh";
import { isDue, isUsable } from "./refresh-policy";
import { openColumn } from "./vault";

export type AuthorizerAccessToken = { appid: string; token: string; version: number; expiresAt: Date; refreshAt: Date };

type CredentialRow = {
  accessTokenEnc: string | null;
  accessTokenKeyId: string | null;
  accessTokenExpiresAt: Date | null;
  accessTokenRefreshAt: Date | null;
  refreshTokenEnc: string | null;
  refreshTokenKeyId: string | null;
  version: number;
  disabledAt: Date | null;
};

function toToken(appid: string, row: CredentialRow): AuthorizerAccessToken | null {
  if (row.disabledAt || !isUsable(row.accessTokenExpiresAt)) return null;
  const token = openColumn({ ciphertext: row.accessTokenEnc, keyId: row.accessTokenKeyId, context: accessContext(appid) });
  if (!token) return null;
  return {
    appid,
    token,
    version: row.version,
    expiresAt: row.accessTokenExpiresAt!,
    refreshAt: row.accessTokenRefreshAt ?? row.accessTokenExpiresAt!,
  };
}

type AuthorizerState = { status: AuthorizerStatus; credential: { disabledAt: Date | null } | null };

/** `authorizer` when it may be handed credentials; else why not, as the CredentialError a caller shows. */
export function requireActive<T extends AuthorizerState>(appid: string, authorizer: T | null): T {
  if (!authorizer) throw new CredentialError("unknown_authorizer", `No authorizer ${appid}: it has not authorized this platform.`);
  if (authorizer.status === "revoked")
    throw new CredentialError("authorizer_revoked", `${appid} revoked its authorization; only the merchant can authorize again.`);
  if (authorizer.status === "needs_reauthorization" || authorizer.credential?.disabledAt) {
    throw new CredentialError(
      "needs_reauthorization",
      `${appid} needs to authorize again: its refresh token is no longer accepted. Send the merchant a new authorization link.`,
    );
  }
  return authorizer;
}

async function assertActive(appid: string): Promise<void> {
  requireActive(
    appid,
    await db().authorizer.findUnique({ where: { appid }, select: { status: true, credential: { select: { disabledAt: true } } } }),
  );
}

type Outcome = { kind: "token"; token: AuthorizerAccessToken } | { kind: "refresh-token-invalid" } | { kind: "revoked" };

/** No refresh token WeChat could accept is stored: none, or the credential is disabled. */
class NoRefreshToken extends MissingCredential {}

async function lockCredential(tx: Prisma.TransactionClient, appid: string): Promise<CredentialRow> {
  const rows = await tx.$queryRaw<CredentialRow[]>`
    SELECT access_token_enc AS "accessTokenEnc", access_token_key_id AS "accessTokenKeyId",
           access_token_expires_at AS "accessTokenExpiresAt", access_token_refresh_at AS "accessTokenRefreshAt",
           refresh_token_enc AS "refreshTokenEnc", refresh_token_key_id AS "refreshTokenKeyId",
           version, disabled_at AS "disabledAt"
    FROM authorizer_credentials WHERE authorizer_appid = ${appid} FOR UPDATE`;
  const row = rows[0];
  if (!row || row.disabledAt) throw new NoRefreshToken();
  return row;
}

/**
 * Under the row lock: re-check, else exchange the refresh token. The component token is fetched
 * before the transaction: on the embedded database a second connection would wait for this one.
 */
async function refreshLocked(
  appid: string,
  componentAccessToken: string,
  options: { force: boolean; refreshTokenOverride?: string },
): Promise<Outcome> {
  const componentAppid = getEnv().component.appid;
  try {
    const token = await refreshUnderLock({
      kind: "authorizer",
      lock: (tx) => lockCredential(tx, appid),
      reuse: (row) => {
        const current = toToken(appid, row);
        return current && !options.force && !isDue(current.refreshAt) ? current : null;
      },
      fetch: (row) => {
        const refreshToken =
          options.refreshTokenOverride ??
          openColumn({ ciphertext: row.refreshTokenEnc, keyId: row.refreshTokenKeyId, context: refreshContext(appid) });
        if (!refreshToken) throw new NoRefreshToken();
        return wechatApi().getAuthorizerToken({
          componentAccessToken,
          componentAppid,
          authorizerAppid: appid,
          authorizerRefreshToken: refreshToken,
        });
      },
      store: async (tx, row, issued) => {
        const stored = await storeRefreshedTokens(tx, {
          appid,
          accessToken: issued.authorizerAccessToken,
          expiresIn: issued.expiresIn,
          // A recovered refresh token is saved too, even if WeChat did not rotate it in this answer.
          refreshToken: issued.authorizerRefreshToken ?? options.refreshTokenOverride,
          readVersion: row.version,
        });
        return { appid, token: issued.authorizerAccessToken, ...stored };
      },
    });
    return { kind: "token", token };
  } catch (error) {
    if (error instanceof NoRefreshToken || (error instanceof WeChatApiError && error.errcode === 61023))
      return { kind: "refresh-token-invalid" };
    if (error instanceof WeChatApiError && error.errcode === 61003) return { kind: "revoked" };
    throw error;
  }
}

/** The refresh token WeChat still holds for `appid` (api_get_authorizer_info, then the list). */
async function recoverRefreshToken(appid: string, componentAccessToken: string): Promise<string | undefined> {
  const api = wechatApi();
  const componentAppid = getEnv().component.appid;
  const info = await api.getAuthorizerInfo({ componentAccessToken, componentAppid, authorizerAppid: appid }).catch(() => undefined);
  if (info?.authorization.authorizerRefreshToken) return info.authorization.authorizerRefreshToken;
  for (let offset = 0; ; offset += 500) {
    const page = await api.getAuthorizerList({ componentAccessToken, componentAppid, offset, count: 500 });
    const found = page.items.find((item) => item.authorizerAppid === appid);
    if (found) return found.refreshToken;
    if (page.items.length === 0 || offset + page.items.length >= page.totalCount) return undefined;
  }
}

async function recordFailure(appid: string, error: unknown): Promise<void> {
  const code = error instanceof WeChatApiError ? error.errcode : null;
  const message = error instanceof WeChatApiError ? error.classification.action : error instanceof Error ? error.message : String(error);
  await recordRefreshFailure(appid, { code, message });
}

async function refreshOnce(appid: string, force: boolean): Promise<AuthorizerAccessToken> {
  await assertActive(appid);
  let component = await getComponentAccessToken();
  const attempt = async (refreshTokenOverride?: string): Promise<Outcome> => {
    try {
      return await refreshLocked(appid, component.token, { force, refreshTokenOverride });
    } catch (error) {
      if (!isTokenRejected(error)) throw error;
      component = await replaceRejectedComponentToken(component.version);
      return refreshLocked(appid, component.token, { force, refreshTokenOverride });
    }
  };
  let outcome = await attempt();
  if (outcome.kind === "refresh-token-invalid") {
    // 61023: WeChat may still hold a valid refresh token for this account; only when it does not
    // is the merchant asked to authorize again. WeChat not answering (5xx, timeout, -1) is not WeChat
    // holding none: that error propagates and the refresh is tried again, the account stays authorized.
    const recovered = await recoverRefreshToken(appid, component.token);
    if (recovered) {
      logger.warn({ appid }, "refresh token rejected (61023); retrying with the one WeChat still holds");
      outcome = await attempt(recovered);
      if (outcome.kind === "token") await recordAudit({ actorType: "system", action: "credential.refresh_token_recovered", target: appid });
    }
  }
  if (outcome.kind === "revoked") {
    await recordGrantLoss({ kind: "revoked", appid, at: new Date() });
    throw new CredentialError("authorizer_revoked", `${appid} revoked its authorization (61003).`);
  }
  if (outcome.kind === "refresh-token-invalid") {
    await recordGrantLoss({
      kind: "refresh_token_invalid",
      appid,
      reason: "WeChat answered 61023 and holds no other refresh token for this account.",
    });
    throw new CredentialError(
      "needs_reauthorization",
      `${appid} needs to authorize again: its refresh token is invalid (61023) and could not be recovered.`,
    );
  }
  return outcome.token;
}

const oneRefreshPerAuthorizer = singleFlight<AuthorizerAccessToken>();

/** Refreshes now (force) or when due; one refresh per authorizer at a time in this process. */
export function refreshAuthorizerToken(appid: string, { force = false }: { force?: boolean } = {}): Promise<AuthorizerAccessToken> {
  return oneRefreshPerAuthorizer(appid, () =>
    refreshOnce(appid, force).catch(async (error: unknown) => {
      if (!(error instanceof CredentialError)) await recordFailure(appid, error);
      throw error;
    }),
  );
}

/** A valid access token for `appid`, refreshed first when due. */
export async function getAuthorizerAccessToken(appid: string): Promise<AuthorizerAccessToken> {
  const row = await db().authorizerCredential.findUnique({ where: { authorizerAppid: appid } });
  const current = row ? toToken(appid, row) : null;
  if (current && !isDue(current.refreshAt)) {
    await assertActive(appid);
    return current;
  }
  try {
    return await refreshAuthorizerToken(appid);
  } catch (error) {
    if (current && isUsable(current.expiresAt) && (error instanceof WeChatTransportError || error instanceof WeChatApiError))
      return current;
    throw error;
  }
}

/**
 * Runs `call` with the authorizer's token; when WeChat rejects it (40001/42001), it is replaced
 * unless another caller already did, and the call is retried once.
 */
export async function withAuthorizerToken<T>(appid: string, call: (authorizerAccessToken: string) => Promise<T>): Promise<T> {
  const first = await getAuthorizerAccessToken(appid);
  try {
    return await call(first.token);
  } catch (error) {
    if (!isTokenRejected(error)) throw error;
    const row = await db().authorizerCredential.findUnique({ where: { authorizerAppid: appid }, select: { version: true } });
    const second =
      row && row.version !== first.version ? await getAuthorizerAccessToken(appid) : await refreshAuthorizerToken(appid, { force: true });
    return call(second.token);
  }
}
