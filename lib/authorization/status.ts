// The two ways an account stops being served, and the only place either is written:
// - revoked: the merchant revoked us in WeChat's admin (the `unauthorized` push, or WeChat answering
//   61003 to a refresh or a reconciliation). Only they can; we record it, keep the account's
//   history, and disable its credentials so nothing hands out a dead token. A revocation older than
//   the account's state (a late retry after the merchant authorized again) changes nothing.
// - needs re-authorization: WeChat accepts none of the account's refresh tokens any more (61023,
//   with nothing to recover); the merchant must authorize again.
// A refresh learns either in lib/credentials, which reports it through the recorder installed below.
// Each change is announced (authorizer.revoked, authorizer.reauthorization_required) in its own
// transaction; a superseded revocation announces nothing.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { logger } from "../logger";
import { disableCredential, revokeCredential } from "../credentials/authorizer-credentials";
import { installGrantLossRecorder } from "../credentials/grant-loss";
import { orderLifecycleChange, type LifecycleChange } from "./authorizer-record";
import { announceReauthorizationRequired, announceRevoked } from "./lifecycle-events";

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
    await revokeCredential(tx, { appid: authorizerAppid, at });
    await tx.auditLog.create({
      data: {
        actorType: source === "reconciliation" ? "system" : "wechat",
        action: audit?.action ?? "authorizer.revoked",
        target: authorizerAppid,
        details: audit?.details ?? { source },
      },
    });
    await announceRevoked(tx, { appid: authorizerAppid, at, source });
    return "revoked";
  });
  if (outcome === "revoked") logger.warn({ authorizerAppid, source }, "authorizer revoked the authorization");
  if (outcome === "superseded") logger.info({ authorizerAppid, source, at }, "revocation older than the account's state; ignored");
  return outcome;
}

/** WeChat's answer when none of the account's refresh tokens is accepted any more. */
const REFRESH_TOKEN_INVALID = 61023;

/**
 * The account's credentials are disabled until the merchant authorizes again; `reason` is kept as
 * their last error. The status, the audit entry and the announcement are one transaction.
 */
export async function markNeedsReauthorization({
  authorizerAppid,
  reason,
  errcode = null,
}: {
  authorizerAppid: string;
  reason: string;
  errcode?: number | null;
}): Promise<void> {
  const now = new Date();
  await db().$transaction(async (tx) => {
    const changed = await tx.authorizer.updateMany({
      where: { appid: authorizerAppid, status: { not: "needs_reauthorization" } },
      data: { status: "needs_reauthorization", statusChangedAt: now },
    });
    await disableCredential(tx, { appid: authorizerAppid, at: now, reason });
    await tx.auditLog.create({
      data: { actorType: "system", action: "authorizer.needs_reauthorization", target: authorizerAppid, details: { reason } },
    });
    // Said once: a second refresh learning the same thing is no news.
    if (changed.count === 1) await announceReauthorizationRequired(tx, { appid: authorizerAppid, reason, errcode, now });
  });
  logger.warn({ appid: authorizerAppid, reason }, "authorizer needs to authorize again; credentials disabled");
}

installGrantLossRecorder(async (loss) => {
  if (loss.kind === "revoked") await markAuthorizerRevoked({ authorizerAppid: loss.appid, at: loss.at, source: "api_61003" });
  else await markNeedsReauthorization({ authorizerAppid: loss.appid, reason: loss.reason, errcode: REFRESH_TOKEN_INVALID });
});
