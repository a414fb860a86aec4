// `unauthorized`: the merchant revoked us in WeChat's admin. Only they can; we record it, keep the
// account's history, and disable its credentials so nothing hands out a dead token. A revocation
// older than the account's state (a late retry after the merchant authorized again) changes nothing.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { logger } from "../logger";
import { CLEARED_TOKEN_CACHE } from "../credentials/authorizer-token";
import { orderLifecycleChange, type LifecycleChange } from "./authorizer-record";

export type RevocationSource = "push" | "api_61003" | "reconciliation";

export type RevocationOutcome = "revoked" | "already_revoked" | "superseded" | "unknown";

/**
 * `at` is when the revocation happened: the push's CreateTime, or when the portal saw WeChat answer
 * that the account is gone (61003, a reconciliation). `audit` replaces the default audit entry.
 */
export async function markAuthorizerRevoked({
  authorizerAppid,
  at,
  source,
  audit,
}: {
  authorizerAppid: string;
  at: Date;
  source: RevocationSource;
  audit?: { action: string; details: Prisma.InputJsonObject };
}): Promise<RevocationOutcome> {
  const change: LifecycleChange = source === "push" ? { kind: "push", createdAt: at } : { kind: "observed", at };
  const outcome = await db().$transaction(async (tx): Promise<RevocationOutcome> => {
    const order = await orderLifecycleChange(tx, { appid: authorizerAppid, change });
    if (order !== "applied") return order;
    const { count } = await tx.authorizer.updateMany({
      where: { appid: authorizerAppid, status: { not: "revoked" } },
      data: { status: "revoked", revokedAt: at, statusChangedAt: at },
    });
    if (count === 0) return "already_revoked";
    await tx.authorizerCredential.updateMany({
      where: { authorizerAppid },
      data: { disabledAt: at, ...CLEARED_TOKEN_CACHE, version: { increment: 1 } },
    });
    await tx.auditLog.create({
      data: {
        actorType: source === "reconciliation" ? "system" : "wechat",
        action: audit?.action ?? "authorizer.revoked",
        target: authorizerAppid,
        details: audit?.details ?? { source },
      },
    });
    return "revoked";
  });
  if (outcome === "revoked") logger.warn({ authorizerAppid, source }, "authorizer revoked the authorization");
  if (outcome === "superseded") logger.info({ authorizerAppid, source, at }, "revocation older than the account's state; ignored");
  return outcome;
}
