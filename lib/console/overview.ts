// What the console's overview shows: whether everything is healthy and what needs someone — accounts
// to re-authorize, token refreshes failing, a stale ticket, webhooks not getting through — beside the
// component's credential freshness and accounts by status.
import { db } from "../db";
import { getEnv } from "../env";
import type { AuthorizerStatus } from "../generated/prisma/enums";
import { readTicketState } from "../jobs/ticket-watchdog";
import { endpointHealthCounts } from "./webhooks";

/** How many accounts an attention item names before "and N more" (the linked list has them all). */
export const ATTENTION_SAMPLE = 5;
/** Failed deliveries count as needing someone for a day; older ones are history in the endpoint's log. */
const FAILED_DELIVERY_WINDOW_MS = 24 * 3600_000;

export type AccountRef = { appid: string; nickName: string | null };

export type Attention = {
  needsReauthorization: { count: number; sample: AccountRef[] };
  /** Accounts whose last token refresh failed (an error newer than the last success), still in service. */
  failingRefreshes: { count: number; sample: (AccountRef & { errcode: number | null })[] };
  ticket: { stale: boolean; receivedAt: Date | null };
  webhooks: { failingEndpoints: number; disabledEndpoints: number; pendingDeliveries: number; failedDeliveries: number };
};

export type Overview = {
  componentAppid: string;
  ticketReceivedAt: Date | null;
  tokenExpiresAt: Date | null;
  authorizersByStatus: Record<AuthorizerStatus, number>;
  attention: Attention;
  recentAudit: { id: string; action: string; target: string | null; createdAt: Date }[];
};

/** True when nothing on the overview needs anyone. */
export const allHealthy = ({ needsReauthorization, failingRefreshes, ticket, webhooks }: Attention): boolean =>
  needsReauthorization.count === 0 &&
  failingRefreshes.count === 0 &&
  !ticket.stale &&
  webhooks.failingEndpoints + webhooks.disabledEndpoints + webhooks.pendingDeliveries + webhooks.failedDeliveries === 0;

async function failingRefreshes(componentAppid: string) {
  const rows = await db().$queryRaw<{ appid: string; nick_name: string | null; last_error_code: number | null; total: number }[]>`
    SELECT a.appid, a.nick_name, c.last_error_code, count(*) OVER ()::int AS total
    FROM authorizer_credentials c JOIN authorizers a ON a.appid = c.authorizer_appid
    WHERE a.component_appid = ${componentAppid}
      AND a.status IN ('authorized', 'updated')
      AND c.disabled_at IS NULL
      AND c.last_error_at IS NOT NULL
      AND (c.last_refreshed_at IS NULL OR c.last_error_at > c.last_refreshed_at)
    ORDER BY c.last_error_at DESC
    LIMIT ${ATTENTION_SAMPLE}`;
  return {
    count: rows[0]?.total ?? 0,
    sample: rows.map((row) => ({ appid: row.appid, nickName: row.nick_name, errcode: row.last_error_code })),
  };
}

async function webhookAttention(componentAppid: string, now: Date) {
  const live = { componentAppid, endpoint: { deletedAt: null } };
  const [endpoints, pendingDeliveries, failedDeliveries] = await Promise.all([
    endpointHealthCounts(),
    db().webhookDelivery.count({ where: { ...live, status: "pending" } }),
    db().webhookDelivery.count({
      where: { ...live, status: "failed", lastAttemptAt: { gte: new Date(now.getTime() - FAILED_DELIVERY_WINDOW_MS) } },
    }),
  ]);
  return { failingEndpoints: endpoints.failing, disabledEndpoints: endpoints.disabled, pendingDeliveries, failedDeliveries };
}

export async function loadOverview({ now = new Date() }: { now?: Date } = {}): Promise<Overview> {
  const prisma = db();
  const appid = getEnv().component.appid;
  const [component, groups, audit, reauthorize, failing, ticket, webhooks] = await Promise.all([
    prisma.component.findUnique({ where: { appid }, select: { verifyTicketReceivedAt: true, accessTokenExpiresAt: true } }),
    prisma.authorizer.groupBy({ by: ["status"], where: { componentAppid: appid }, _count: { _all: true } }),
    prisma.auditLog.findMany({
      orderBy: { createdAt: "desc" },
      take: 8,
      select: { id: true, action: true, target: true, createdAt: true },
    }),
    prisma.authorizer.findMany({
      where: { componentAppid: appid, status: "needs_reauthorization" },
      orderBy: { statusChangedAt: "desc" },
      take: ATTENTION_SAMPLE,
      select: { appid: true, nickName: true },
    }),
    failingRefreshes(appid),
    readTicketState({ now }),
    webhookAttention(appid, now),
  ]);
  const authorizersByStatus: Record<AuthorizerStatus, number> = { authorized: 0, updated: 0, revoked: 0, needs_reauthorization: 0 };
  for (const g of groups) authorizersByStatus[g.status] = g._count._all;
  return {
    componentAppid: appid,
    ticketReceivedAt: component?.verifyTicketReceivedAt ?? null,
    tokenExpiresAt: component?.accessTokenExpiresAt ?? null,
    authorizersByStatus,
    attention: {
      needsReauthorization: { count: authorizersByStatus.needs_reauthorization, sample: reauthorize },
      failingRefreshes: failing,
      ticket: { stale: ticket.stale, receivedAt: ticket.receivedAt },
      webhooks,
    },
    recentAudit: audit.map((a) => ({ ...a, id: a.id.toString() })),
  };
}
