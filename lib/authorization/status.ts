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
import { db, transaction, type Sql } from "../db";
import { logger } from "../logger";
import { disableCredential, revokeCredentialCte } from "../credentials/authorizer-credentials";
import { installGrantLossRecorder } from "../credentials/grant-loss";
import { orderLifecycleChange, type LifecycleChange, type OrderedChange } from "./authorizer-record";
import { announceReauthorizationRequired, announceRevoked, type AccountIdentity } from "./lifecycle-events";

export type RevocationSource = "push" | "api_61003" | "reconciliation";

export type RevocationOutcome = "revoked" | "already_revoked" | "superseded" | "unknown";

/**
 * The revocation itself, one statement on the row the ordering locked: the status, the credentials
 * (their owner's CTE) and the audit entry. Returns the account as the event describes it.
 */
const REVOKE = `
WITH account AS (
  UPDATE authorizers SET status = 'revoked', revoked_at = $2, status_changed_at = $2, updated_at = now()
  WHERE appid = $1
  RETURNING component_appid, appid AS authorizer_appid, merchant_ref, account_type::text, nick_name
), ${revokeCredentialCte({ appid: "$1", at: "$2" })}, audit AS (
  INSERT INTO audit_logs (actor_type, action, target, details) VALUES ($3::"ActorType", $4, $1, $5::jsonb)
)
SELECT * FROM account`;

export type Revocation = {
  authorizerAppid: string;
  /** When it happened: the push's CreateTime, or when the portal saw WeChat answer that the account is gone (61003, a reconciliation). */
  at: Date;
  source: RevocationSource;
  /** Replaces the default audit entry. */
  audit?: { action: string; details: Prisma.InputJsonObject };
};

/** The lifecycle change a revocation is: a push's at its CreateTime, else what the portal observed. */
export const revocationChange = ({ at, source }: Revocation): LifecycleChange =>
  source === "push" ? { kind: "push", createdAt: at } : { kind: "observed", at };

/**
 * Applies a revocation on `sql`, a transaction of the caller's: ordered (unless the caller ran the
 * ordering already, in a statement of its own: `ordered`), then the status, the credentials and the
 * announcement. Logs nothing (the transaction may still roll back): see reportRevocation.
 */
export async function applyRevocation(sql: Sql, revocation: Revocation, ordered?: OrderedChange): Promise<RevocationOutcome> {
  const { authorizerAppid, at, source, audit } = revocation;
  const { order, status } = ordered ?? (await orderLifecycleChange(sql, { appid: authorizerAppid, change: revocationChange(revocation) }));
  if (order !== "applied") return order;
  // The ordering holds the row's lock: nobody revokes it meanwhile.
  if (status === "revoked") return "already_revoked";
  const [account] = await sql.$queryRawUnsafe<AccountIdentity[]>(
    REVOKE,
    authorizerAppid,
    at,
    source === "reconciliation" ? "system" : "wechat",
    audit?.action ?? "authorizer.revoked",
    JSON.stringify(audit?.details ?? { source }),
  );
  await announceRevoked(sql, { account: account!, at, source });
  return "revoked";
}

/** The log line of a revocation that committed. */
export function reportRevocation(outcome: RevocationOutcome, { authorizerAppid, at, source }: Revocation): void {
  if (outcome === "revoked") logger.warn({ authorizerAppid, source }, "authorizer revoked the authorization");
  if (outcome === "superseded") logger.info({ authorizerAppid, source, at }, "revocation older than the account's state; ignored");
}

/** A revocation in a transaction of its own, on the pool without Prisma (a revocation push is a hot path). */
export async function markAuthorizerRevoked(revocation: Revocation): Promise<RevocationOutcome> {
  const outcome = await transaction((sql) => applyRevocation(sql, revocation));
  reportRevocation(outcome, revocation);
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
