// component_access_token: one per component, shared by every instance through the database.
// Refreshed ahead of expiry; N concurrent callers cause one upstream call: single-flight within a
// process (a shared promise) and across processes (row lock, then re-check what the winner wrote).
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { ensureComponentRow } from "../component";
import { getEnv } from "../env";
import { logger } from "../logger";
import { wechatApi } from "../upstream";
import { WeChatApiError } from "../wechat/errors";
import { MissingCredential, noTicketError } from "./errors";
import { requestTicketPush, usableTicket, type TicketColumns } from "./component-ticket";
import { refreshUnderLock, singleFlight } from "./refresh";
import { isDue, isUsable, lifetimeTimes } from "./refresh-policy";
import { openColumn, seal } from "./vault";

export type ComponentAccessToken = { token: string; version: number; expiresAt: Date; refreshAt: Date };

type TokenColumns = {
  accessTokenEnc: string | null;
  accessTokenKeyId: string | null;
  accessTokenExpiresAt: Date | null;
  accessTokenRefreshAt: Date | null;
  accessTokenVersion: number;
};

/** Where the component token is sealed: bound as associated data (lib/credentials/vault.ts). */
export const componentTokenContext = (appid: string) => `component:${appid}:access_token`;

/** Errcodes that mean "this access token is no good": drop it and get a new one, once. */
export const TOKEN_REJECTED_ERRCODES = new Set([40001, 40014, 42001, 42006]);
export const isTokenRejected = (error: unknown) => error instanceof WeChatApiError && TOKEN_REJECTED_ERRCODES.has(error.errcode);
/** 61005 ticket expired, 61006 ticket invalid: WeChat must push a new one. */
const TICKET_ERRCODES = new Set([61005, 61006]);

function toToken(appid: string, row: TokenColumns): ComponentAccessToken | null {
  if (!isUsable(row.accessTokenExpiresAt)) return null;
  const token = openColumn({ ciphertext: row.accessTokenEnc, keyId: row.accessTokenKeyId, context: componentTokenContext(appid) });
  if (!token) return null;
  return {
    token,
    version: row.accessTokenVersion,
    expiresAt: row.accessTokenExpiresAt!,
    refreshAt: row.accessTokenRefreshAt ?? row.accessTokenExpiresAt!,
  };
}

async function readCurrent(appid: string): Promise<ComponentAccessToken | null> {
  const row = await db().component.findUnique({ where: { appid } });
  return row ? toToken(appid, row) : null;
}

class TicketMissing extends MissingCredential {}

async function lockComponent(tx: Prisma.TransactionClient, appid: string): Promise<TokenColumns & TicketColumns> {
  await ensureComponentRow(tx, appid);
  const rows = await tx.$queryRaw<(TokenColumns & TicketColumns)[]>`
    SELECT access_token_enc AS "accessTokenEnc", access_token_key_id AS "accessTokenKeyId",
           access_token_expires_at AS "accessTokenExpiresAt", access_token_refresh_at AS "accessTokenRefreshAt",
           access_token_version AS "accessTokenVersion", verify_ticket_enc AS "verifyTicketEnc",
           verify_ticket_key_id AS "verifyTicketKeyId", verify_ticket_create_time AS "verifyTicketCreateTime"
    FROM components WHERE appid = ${appid} FOR UPDATE`;
  return rows[0]!;
}

/** Under the row lock: re-check (another instance may have refreshed), else call WeChat and store. */
function refreshLocked(appid: string, force: { rejectedVersion?: number }): Promise<ComponentAccessToken> {
  const { appsecret } = getEnv().component;
  return refreshUnderLock({
    kind: "component",
    lock: (tx) => lockComponent(tx, appid),
    reuse: (row) => {
      const current = toToken(appid, row);
      const rejectedStill = force.rejectedVersion !== undefined && force.rejectedVersion === row.accessTokenVersion;
      return current && !isDue(current.refreshAt) && !rejectedStill ? current : null;
    },
    fetch: (row) => {
      const ticket = usableTicket(appid, row);
      if (!ticket) throw new TicketMissing();
      return wechatApi().getComponentToken({ componentAppid: appid, componentAppsecret: appsecret, componentVerifyTicket: ticket });
    },
    store: async (tx, row, issued) => {
      const { expiresAt, refreshAt } = lifetimeTimes({ expiresInSeconds: issued.expiresIn });
      const sealed = seal({ plaintext: issued.componentAccessToken, context: componentTokenContext(appid) });
      const version = row.accessTokenVersion + 1;
      await tx.component.update({
        where: { appid },
        data: {
          accessTokenEnc: sealed.ciphertext,
          accessTokenKeyId: sealed.keyId,
          accessTokenExpiresAt: expiresAt,
          accessTokenRefreshAt: refreshAt,
          accessTokenVersion: version,
        },
      });
      logger.info({ appid, version, expiresAt }, "component_access_token refreshed");
      return { token: issued.componentAccessToken, version, expiresAt, refreshAt };
    },
  });
}

const oneRefreshPerComponent = singleFlight<ComponentAccessToken>();

async function refresh(appid: string, force: { rejectedVersion?: number } = {}): Promise<ComponentAccessToken> {
  try {
    return await oneRefreshPerComponent(appid, () => refreshLocked(appid, force));
  } catch (error) {
    if (error instanceof TicketMissing) {
      await requestTicketPush({ reason: "no valid ticket to obtain component_access_token" });
      throw noTicketError();
    }
    if (error instanceof WeChatApiError && TICKET_ERRCODES.has(error.errcode)) {
      await requestTicketPush({ reason: `api_component_token refused the ticket (${error.errcode})` });
    }
    throw error;
  }
}

/** A valid component_access_token, refreshed first when it is due. */
export async function getComponentAccessToken(): Promise<ComponentAccessToken> {
  const appid = getEnv().component.appid;
  const current = await readCurrent(appid);
  if (current && !isDue(current.refreshAt)) return current;
  try {
    return await refresh(appid);
  } catch (error) {
    // Due but not expired: a failed early refresh must not fail the caller.
    if (current && isUsable(current.expiresAt)) {
      logger.warn({ err: error }, "component_access_token refresh failed; the current token is still valid");
      return current;
    }
    throw error;
  }
}

/** Refreshes now unless another caller already replaced `rejectedVersion`. */
export async function replaceRejectedComponentToken(rejectedVersion: number): Promise<ComponentAccessToken> {
  return refresh(getEnv().component.appid, { rejectedVersion });
}

/**
 * Runs `call` with the component token. When WeChat rejects the token (40001/42001/...), it is
 * replaced only if it is still the current one, and the call is retried once.
 */
export async function withComponentToken<T>(call: (componentAccessToken: string) => Promise<T>): Promise<T> {
  const first = await getComponentAccessToken();
  try {
    return await call(first.token);
  } catch (error) {
    if (!isTokenRejected(error)) throw error;
    logger.warn(
      { errcode: (error as WeChatApiError).errcode, version: first.version },
      "WeChat rejected the component_access_token; replacing it",
    );
    const second = await replaceRejectedComponentToken(first.version);
    return call(second.token);
  }
}
