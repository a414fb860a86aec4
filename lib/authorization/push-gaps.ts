// Pushes lost in a gap. WeChat retries a push 3 times within seconds, then gives up: whatever it
// pushed while we could not store it (the database down, the portal down, the event URL broken) is
// gone. Every sign of such a gap marks the component as owing a reconciliation with WeChat's own list
// (lib/console/authorizer-sync.ts); the minute tick turns what is owed into one job across
// instances (lib/jobs/reconcile-authorizers.ts), which records when it paid.
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";

/** WeChat pushes a ticket every 10 minutes: a ticket arriving later than this after the previous one means we missed one. */
export const TICKET_GAP_MS = 15 * 60 * 1000;

/** grant_unfinished: an auth code was exchanged but the account could not be read, so nothing was stored. */
export type GapReason = "ticket_gap" | "ticket_overdue" | "push_store_failed" | "started_after_downtime" | "grant_unfinished";

/**
 * For the statement that stores a ticket (lib/authorization/pushes.ts): SET items of the components
 * row that ask for a reconciliation when the previous ticket reached us more than TICKET_GAP_MS
 * before `now` (read from the row as it was before the statement). `now` and `gapBefore` name the
 * placeholders of ticketGapValues.
 */
export const ticketGapSet = ({ now, gapBefore }: { now: string; gapBefore: string }) => {
  const gap = `verify_ticket_received_at < ${gapBefore}::timestamptz`;
  return `reconcile_requested_at = CASE WHEN ${gap} THEN ${now}::timestamptz ELSE reconcile_requested_at END,
  reconcile_reason = CASE WHEN ${gap} THEN '${"ticket_gap" satisfies GapReason}' ELSE reconcile_reason END`;
};

/** The values of ticketGapSet's placeholders: `now`, then `gapBefore`. */
export const ticketGapValues = (now: Date): [Date, Date] => [now, new Date(now.getTime() - TICKET_GAP_MS)];

/** Asks for a reconciliation. `unlessRequestedSince`: not again if one was asked for at or after it. */
export async function requestReconciliation({
  reason,
  now = new Date(),
  unlessRequestedSince,
}: {
  reason: GapReason;
  now?: Date;
  unlessRequestedSince?: Date;
}): Promise<boolean> {
  const { count } = await db().component.updateMany({
    where: {
      appid: getEnv().component.appid,
      ...(unlessRequestedSince ? { OR: [{ reconcileRequestedAt: null }, { reconcileRequestedAt: { lt: unlessRequestedSince } }] } : {}),
    },
    data: { reconcileRequestedAt: now, reconcileReason: reason },
  });
  if (count > 0) logger.warn({ reason }, "pushes may have been lost: a reconciliation with WeChat is owed");
  return count > 0;
}

export type OwedReconciliation = { requestedAt: Date; reason: string | null } | null;

/** The reconciliation asked for and not yet paid by a finished one, if any. */
export async function readOwedReconciliation(): Promise<OwedReconciliation> {
  const row = await db().component.findUnique({
    where: { appid: getEnv().component.appid },
    select: { reconcileRequestedAt: true, reconcileReason: true, reconciledAt: true },
  });
  if (!row?.reconcileRequestedAt) return null;
  if (row.reconciledAt && row.reconciledAt >= row.reconcileRequestedAt) return null;
  return { requestedAt: row.reconcileRequestedAt, reason: row.reconcileReason };
}

/** A reconciliation that started reading WeChat at `startedAt` finished: it pays every request before then. */
export async function markReconciled({ startedAt }: { startedAt: Date }): Promise<void> {
  await db().component.updateMany({
    where: { appid: getEnv().component.appid, OR: [{ reconciledAt: null }, { reconciledAt: { lt: startedAt } }] },
    data: { reconciledAt: startedAt },
  });
}

/**
 * This process answered a push with 503 (it could not store it): WeChat's retries may all fail too.
 * Kept in memory until a database write succeeds again, then turned into a request.
 */
const holder = globalThis as unknown as { __portalPushStoreFailedAt?: Date };

export function noteStoreFailure(now = new Date()): void {
  holder.__portalPushStoreFailedAt ??= now;
}

/** After a push was stored: if an earlier one could not be, ask for a reconciliation. Never throws. */
export async function reportStoreRecovery(): Promise<void> {
  const since = holder.__portalPushStoreFailedAt;
  if (!since) return;
  try {
    await requestReconciliation({ reason: "push_store_failed" });
    if (holder.__portalPushStoreFailedAt === since) delete holder.__portalPushStoreFailedAt;
    logger.warn({ since }, "pushes are stored again after failures");
  } catch (error) {
    logger.error({ err: error }, "could not ask for a reconciliation after push store failures");
  }
}

/**
 * A process starting its background work: if no ticket reached any instance for TICKET_GAP_MS,
 * the portal was down (or unreachable) and pushes were lost meanwhile.
 */
export async function detectDowntimeAtStart({ now = new Date() }: { now?: Date } = {}): Promise<boolean> {
  const row = await db().component.findUnique({
    where: { appid: getEnv().component.appid },
    select: { verifyTicketReceivedAt: true },
  });
  // No ticket ever: nothing was authorized through this portal yet, and nothing can be read from WeChat.
  const last = row?.verifyTicketReceivedAt;
  if (!last || now.getTime() - last.getTime() < TICKET_GAP_MS) return false;
  // Not again if the watchdog (or another instance starting) asked during this silence.
  return requestReconciliation({ reason: "started_after_downtime", now, unlessRequestedSince: new Date(last.getTime() + TICKET_GAP_MS) });
}
