// `unauthorized`: the merchant revoked us in WeChat's admin. Only they can; we record it, keep the
// account's history, and disable its credentials so nothing hands out a dead token.
import { db } from "../db";
import { logger } from "../logger";
import { CLEARED_TOKEN_CACHE } from "../credentials/authorizer-token";

export async function markAuthorizerRevoked({
  authorizerAppid,
  at,
  source,
}: {
  authorizerAppid: string;
  at: Date;
  source: "push" | "api_61003";
}): Promise<boolean> {
  const prisma = db();
  const updated = await prisma.$transaction(async (tx) => {
    const { count } = await tx.authorizer.updateMany({
      where: { appid: authorizerAppid, status: { not: "revoked" } },
      data: { status: "revoked", revokedAt: at, statusChangedAt: at },
    });
    if (count === 0) return false;
    await tx.authorizerCredential.updateMany({
      where: { authorizerAppid },
      data: { disabledAt: at, ...CLEARED_TOKEN_CACHE, version: { increment: 1 } },
    });
    await tx.auditLog.create({
      data: { actorType: "wechat", action: "authorizer.revoked", target: authorizerAppid, details: { source } },
    });
    return true;
  });
  if (updated) logger.warn({ authorizerAppid }, "authorizer revoked the authorization");
  return updated;
}
