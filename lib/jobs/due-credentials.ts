// Which authorizer credentials the background refresh is responsible for, and which are due.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { getEnv } from "../env";

/** A credential is refreshed in the background only while its authorizer is still authorized. */
export function activeCredentialWhere(): Prisma.AuthorizerCredentialWhereInput {
  return {
    disabledAt: null,
    authorizer: { componentAppid: getEnv().component.appid, status: { in: ["authorized", "updated"] } },
  };
}

export type DueCredential = { appid: string; refreshAt: Date | null };

/** Credentials due by `until` (or with no access token at all), most overdue first. */
export async function findDueCredentials({ until, limit }: { until: Date; limit: number }): Promise<DueCredential[]> {
  const rows = await db().authorizerCredential.findMany({
    where: { ...activeCredentialWhere(), OR: [{ accessTokenRefreshAt: null }, { accessTokenRefreshAt: { lte: until } }] },
    select: { authorizerAppid: true, accessTokenRefreshAt: true },
    // No access token at all is the most urgent case.
    orderBy: { accessTokenRefreshAt: { sort: "asc", nulls: "first" } },
    take: limit,
  });
  return rows.map((row) => ({ appid: row.authorizerAppid, refreshAt: row.accessTokenRefreshAt }));
}
