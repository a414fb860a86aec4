// Each authorizer's jsapi_ticket (7200 s, for JS-SDK signatures on its pages). WeChat limits
// getticket calls, so the ticket is cached sealed in authorizer_credentials and refreshed ahead of
// expiry, once: single-flight in this process, row lock + re-check across processes.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { logger } from "../logger";
import { wechatApi } from "../upstream";
import { WeChatApiError, WeChatTransportError } from "../wechat/errors";
import { jsapiTicketContext, storeJsapiTicket } from "./authorizer-credentials";
import { requireActive, withAuthorizerToken } from "./authorizer-token";
import { CredentialError } from "./errors";
import { refreshUnderLock, singleFlight } from "./refresh";
import { isDue, isUsable } from "./refresh-policy";
import { openColumn } from "./vault";

export type JsapiTicket = { appid: string; ticket: string; expiresAt: Date; refreshAt: Date };

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
  const authorizer = requireActive(
    appid,
    await db().authorizer.findUnique({ where: { appid }, select: { status: true, credential: { select: ticketSelect } } }),
  );
  return authorizer.credential ? toTicket(appid, authorizer.credential) : null;
}

async function lockTicket(tx: Prisma.TransactionClient, appid: string): Promise<TicketColumns> {
  const rows = await tx.$queryRaw<TicketColumns[]>`
    SELECT jsapi_ticket_enc AS "jsapiTicketEnc", jsapi_ticket_key_id AS "jsapiTicketKeyId",
           jsapi_ticket_expires_at AS "jsapiTicketExpiresAt", jsapi_ticket_refresh_at AS "jsapiTicketRefreshAt"
    FROM authorizer_credentials WHERE authorizer_appid = ${appid} FOR UPDATE`;
  const row = rows[0];
  if (!row) {
    throw new CredentialError("needs_reauthorization", `${appid} has no stored credentials: send the merchant a new authorization link.`);
  }
  return row;
}

/**
 * Under the row lock: re-check (another instance may have just refreshed), else call getticket with
 * the authorizer token given. The token is obtained before the transaction: on the embedded
 * database a second connection would wait for this one.
 */
function refreshLocked(appid: string, authorizerAccessToken: string): Promise<JsapiTicket> {
  return refreshUnderLock({
    kind: "jsapi",
    lock: (tx) => lockTicket(tx, appid),
    reuse: (row) => {
      const current = toTicket(appid, row);
      return current && !isDue(current.refreshAt) ? current : null;
    },
    fetch: () => wechatApi().getJsapiTicket({ authorizerAccessToken }),
    store: async (tx, _row, issued) => {
      const { expiresAt, refreshAt } = await storeJsapiTicket(tx, { appid, ticket: issued.ticket, expiresIn: issued.expiresIn });
      logger.info({ appid, expiresAt }, "jsapi_ticket refreshed");
      return { appid, ticket: issued.ticket, expiresAt, refreshAt };
    },
  });
}

const oneRefreshPerAuthorizer = singleFlight<JsapiTicket>();

/** One refresh per authorizer at a time in this process; a rejected authorizer token is replaced once. */
function refreshJsapiTicket(appid: string): Promise<JsapiTicket> {
  return oneRefreshPerAuthorizer(appid, () => withAuthorizerToken(appid, (token) => refreshLocked(appid, token)));
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
