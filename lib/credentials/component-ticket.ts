// component_verify_ticket: WeChat pushes a new one every 10 minutes; it is valid 12 hours. Only the
// newest by the push's CreateTime is kept, so a late retry of an older push never replaces it.
import type { PrismaClient } from "../generated/prisma/client";
import { db } from "../db";
import { ensureComponentRow } from "../component";
import { getEnv } from "../env";
import { logger } from "../logger";
import { wechatApi } from "../upstream";
import { openColumn, seal } from "./vault";

export const TICKET_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** WeChat pushes every 10 minutes; after 20 minutes without one something is wrong. */
export const TICKET_STALE_AFTER_MS = 20 * 60 * 1000;
const PUSH_REQUEST_INTERVAL_MS = 60 * 1000;

/** Where the component_verify_ticket is sealed: bound as associated data (lib/credentials/vault.ts). */
export const verifyTicketContext = (appid: string) => `component:${appid}:verify_ticket`;

type Tx = Pick<PrismaClient, "$executeRaw" | "$queryRawUnsafe">;

/** Only a ticket newer than the one kept is written; `createTime` names the new one's placeholder. */
const newerThanKept = (createTime: string) =>
  `(verify_ticket_create_time IS NULL OR verify_ticket_create_time < ${createTime}::timestamptz)`;

/** The ticket's columns and the placeholders of their new values. */
const ticketColumns = (p: { enc: string; keyId: string; createTime: string; receivedAt: string }) => [
  ["verify_ticket_enc", p.enc],
  ["verify_ticket_key_id", p.keyId],
  ["verify_ticket_received_at", `${p.receivedAt}::timestamptz`],
  ["verify_ticket_create_time", `${p.createTime}::timestamptz`],
];

/**
 * The conditional write of a ticket as SET items of the components row, for the statement that
 * stores the ticket's push (lib/authorization/pushes.ts): only when it is newer than the one kept.
 * The placeholders name newerTicketValues' values (`createTime`, the push's, is the caller's).
 */
export const newerTicketSet = (p: { enc: string; keyId: string; createTime: string; receivedAt: string }) =>
  ticketColumns(p)
    .map(([column, value]) => `${column} = CASE WHEN ${newerThanKept(p.createTime)} THEN ${value} ELSE ${column} END`)
    .join(",\n  ");

/** The sealed ticket for newerTicketSet: `enc`, then `keyId`. */
export function newerTicketValues({ appid, ticket }: { appid: string; ticket: string }): [string, string] {
  const sealed = seal({ plaintext: ticket, context: verifyTicketContext(appid) });
  return [sealed.ciphertext, sealed.keyId];
}

/** The same write on its own: the row is changed only when the ticket is newer. */
const NEWER_TICKET_UPDATE = `
UPDATE components SET ${ticketColumns({ enc: "$2", keyId: "$3", createTime: "$4", receivedAt: "$5" })
  .map(([column, value]) => `${column} = ${value}`)
  .join(", ")}, updated_at = now()
WHERE appid = $1 AND ${newerThanKept("$4")}
RETURNING appid`;

/** Stores the ticket when it is newer than the one kept. Returns whether it replaced it. */
export async function recordVerifyTicket(
  { appid, ticket, createTime }: { appid: string; ticket: string; createTime: Date },
  prisma: Tx = db(),
): Promise<boolean> {
  await ensureComponentRow(prisma, appid);
  const updated = await prisma.$queryRawUnsafe<unknown[]>(
    NEWER_TICKET_UPDATE,
    appid,
    ...newerTicketValues({ appid, ticket }),
    createTime,
    new Date(),
  );
  return updated.length === 1;
}

export type TicketColumns = { verifyTicketEnc: string | null; verifyTicketKeyId: string | null; verifyTicketCreateTime: Date | null };

/** The ticket when it is still within its 12 hours, else null. */
export function usableTicket(appid: string, row: TicketColumns | null, now = new Date()): string | null {
  if (!row?.verifyTicketCreateTime || now.getTime() - row.verifyTicketCreateTime.getTime() >= TICKET_LIFETIME_MS) return null;
  return openColumn({ ciphertext: row.verifyTicketEnc, keyId: row.verifyTicketKeyId, context: verifyTicketContext(appid) });
}

/**
 * Asks WeChat to push a ticket now (api_start_push_ticket), at most once a minute across all
 * instances. Never throws: this is a nudge, and the caller is already reporting a problem.
 */
export async function requestTicketPush({ reason }: { reason: string }): Promise<boolean> {
  const { appid, appsecret } = getEnv().component;
  const cutoff = new Date(Date.now() - PUSH_REQUEST_INTERVAL_MS);
  try {
    await ensureComponentRow(db(), appid);
    const { count } = await db().component.updateMany({
      where: { appid, OR: [{ ticketPushRequestedAt: null }, { ticketPushRequestedAt: { lt: cutoff } }] },
      data: { ticketPushRequestedAt: new Date() },
    });
    if (count === 0) return false;
    await wechatApi().startPushTicket({ componentAppid: appid, componentSecret: appsecret });
    logger.warn({ reason }, "asked WeChat to push a component_verify_ticket now");
    return true;
  } catch (error) {
    logger.error({ err: error, reason }, "could not ask WeChat to push a component_verify_ticket");
    return false;
  }
}
