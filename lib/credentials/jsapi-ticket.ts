// Each authorizer's jsapi_ticket (7200 s, for JS-SDK signatures on its pages). WeChat limits
// getticket calls, so the ticket is cached sealed in authorizer_credentials and refreshed ahead of
// expiry, once: single-flight in this process, row lock + re-check across processes.
import { db } from "../db";
import { logger } from "../logger";
import { wechatApi } from "../upstream";
import { WeChatApiError, WeChatTransportError } from "../wechat/errors";
import { withAuthorizerToken } from "./authorizer-token";
import { CredentialError } from "./errors";
import { isDue, isUsable, lifetimeTimes } from "./refresh-policy";
import { openColumn, seal } from "./vault";

export type JsapiTicket = { appid: string; ticket: string; expiresAt: Date; refreshAt: Date };

export const jsapiTicketContext = (appid: string) => `authorizer:${appid}:jsapi_ticket`;

type TicketColumns = {
  jsapiTicketEnc: string | null;
  jsapiTicketKeyId: string | null;
  jsapiTicketExpiresAt: Date | null;
  jsapiTicketRefreshAt: Date | null;
};

function toTicket(appid: string, row: TicketColumns): JsapiTicket | null {
  if (!isUsable(row.jsapiTicketExpiresAt)) return null;
  const ticket = openColumn({ ciphertext: row.jsapiTicketEnc, keyId: row.jsapiTicketKeyId, context: jsapiTicketContext(appid) });
  if (!ticket) return null;
  const expiresAt = row.jsapiTicketExpiresAt!;
  return { appid, ticket, expiresAt, refreshAt: row.jsapiTicketRefreshAt ?? expiresAt };
}

const ticketSelect = {
  jsapiTicketEnc: true,
  jsapiTicketKeyId: true,
  jsapiTicketExpiresAt: true,
  jsapiTicketRefreshAt: true,
  disabledAt: true,
} as const;

/**
 * The cached ticket, or null when there is none worth using. A ticket of an authorizer that revoked
 * or must authorize again is never handed out, even before it expires.
 */
async function readCurrent(appid: string): Promise<JsapiTicket | null> {
  const authorizer = await db().authorizer.findUnique({ where: { appid }, select: { status: true, credential: { select: ticketSelect } } });
  if (!authorizer) throw new CredentialError("unknown_authorizer", `No authorizer ${appid}: it has not authorized this platform.`);
  if (authorizer.status === "revoked") {
    throw new CredentialError("authorizer_revoked", `${appid} revoked its authorization; only the merchant can authorize again.`);
  }
  if (authorizer.status === "needs_reauthorization" || authorizer.credential?.disabledAt) {
    throw new CredentialError(
      "needs_reauthorization",
      `${appid} needs to authorize again: its refresh token is no longer accepted. Send the merchant a new authorization link.`,
    );
  }
  return authorizer.credential ? toTicket(appid, authorizer.credential) : null;
}

/**
 * Under the row lock: re-check (another instance may have just refreshed), else call getticket with
 * the authorizer token given. The token is obtained before the transaction: on the embedded
 * database a second connection would wait for this one.
 */
async function refreshLocked(appid: string, authorizerAccessToken: string): Promise<JsapiTicket> {
  return db().$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<TicketColumns[]>`
        SELECT jsapi_ticket_enc AS "jsapiTicketEnc", jsapi_ticket_key_id AS "jsapiTicketKeyId",
               jsapi_ticket_expires_at AS "jsapiTicketExpiresAt", jsapi_ticket_refresh_at AS "jsapiTicketRefreshAt"
        FROM authorizer_credentials WHERE authorizer_appid = ${appid} FOR UPDATE`;
      const row = rows[0];
      if (!row) {
        throw new CredentialError(
          "needs_reauthorization",
          `${appid} has no stored credentials: send the merchant a new authorization link.`,
        );
      }
      const current = toTicket(appid, row);
      if (current && !isDue(current.refreshAt)) return current;

      const issued = await wechatApi().getJsapiTicket({ authorizerAccessToken });
      const { expiresAt, refreshAt } = lifetimeTimes({ expiresInSeconds: issued.expiresIn });
      const sealed = seal({ plaintext: issued.ticket, context: jsapiTicketContext(appid) });
      // `version` is left alone on purpose: it guards the access token, which has not changed.
      await tx.authorizerCredential.update({
        where: { authorizerAppid: appid },
        data: {
          jsapiTicketEnc: sealed.ciphertext,
          jsapiTicketKeyId: sealed.keyId,
          jsapiTicketExpiresAt: expiresAt,
          jsapiTicketRefreshAt: refreshAt,
        },
      });
      logger.info({ appid, expiresAt }, "jsapi_ticket refreshed");
      return { appid, ticket: issued.ticket, expiresAt, refreshAt };
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
}

const inflight = new Map<string, Promise<JsapiTicket>>();

/** One refresh per authorizer at a time in this process; a rejected authorizer token is replaced once. */
function refreshJsapiTicket(appid: string): Promise<JsapiTicket> {
  let pending = inflight.get(appid);
  if (!pending) {
    pending = withAuthorizerToken(appid, (token) => refreshLocked(appid, token)).finally(() => inflight.delete(appid));
    inflight.set(appid, pending);
  }
  return pending;
}

/** A valid jsapi_ticket for `appid`, fetched from WeChat only when none is cached or it is due. */
export async function getJsapiTicket(appid: string): Promise<JsapiTicket> {
  const current = await readCurrent(appid);
  if (current && !isDue(current.refreshAt)) return current;
  try {
    return await refreshJsapiTicket(appid);
  } catch (error) {
    // Due but not expired: a failed early refresh must not fail the page that needs a signature.
    if (current && isUsable(current.expiresAt) && (error instanceof WeChatApiError || error instanceof WeChatTransportError)) {
      logger.warn({ appid, err: error }, "jsapi_ticket refresh failed; the current ticket is still valid");
      return current;
    }
    throw error;
  }
}
