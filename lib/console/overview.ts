// What the console's overview shows: the component's credential freshness and accounts by status.
import { db } from "../db";
import { getEnv } from "../env";
import type { AuthorizerStatus } from "../generated/prisma/enums";

export type Overview = {
  componentAppid: string;
  ticketReceivedAt: Date | null;
  tokenExpiresAt: Date | null;
  authorizersByStatus: Record<AuthorizerStatus, number>;
  recentAudit: { id: string; action: string; target: string | null; createdAt: Date }[];
};

export async function loadOverview(): Promise<Overview> {
  const prisma = db();
  const appid = getEnv().component.appid;
  const [component, groups, audit] = await Promise.all([
    prisma.component.findUnique({ where: { appid }, select: { verifyTicketReceivedAt: true, accessTokenExpiresAt: true } }),
    prisma.authorizer.groupBy({ by: ["status"], where: { componentAppid: appid }, _count: { _all: true } }),
    prisma.auditLog.findMany({
      orderBy: { createdAt: "desc" },
      take: 8,
      select: { id: true, action: true, target: true, createdAt: true },
    }),
  ]);
  const authorizersByStatus: Record<AuthorizerStatus, number> = { authorized: 0, updated: 0, revoked: 0, needs_reauthorization: 0 };
  for (const g of groups) authorizersByStatus[g.status] = g._count._all;
  return {
    componentAppid: appid,
    ticketReceivedAt: component?.verifyTicketReceivedAt ?? null,
    tokenExpiresAt: component?.accessTokenExpiresAt ?? null,
    authorizersByStatus,
    recentAudit: audit.map((a) => ({ ...a, id: a.id.toString() })),
  };
}
