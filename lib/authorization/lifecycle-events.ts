// The lifecycle webhooks this layer announces (README "Connect your service"), each written through
// the outbox in the transaction of the change it reports, so a change that rolls back announces
// nothing and one that commits is delivered at least once:
// - authorizer.authorized: an account authorized (again after a revocation), or a link completed;
// - authorizer.updated: an account already authorized authorized again or changed its grant
//   (updateauthorized), with the sets before and after;
// - authorizer.revoked, authorizer.reauthorization_required: it stopped being served;
// - authorization_link.failed: an attempt failed, was cancelled, or expired.
import type { Prisma } from "../generated/prisma/client";
import type { Sql } from "../db";
import { recordEvent } from "../webhooks/outbox";
import { permissionSetName } from "../wechat/permission-sets";

type Tx = Prisma.TransactionClient;

export type NamedSet = { id: number; name: string };

/** Ids with their names as WeChat's console shows them (Simplified Chinese), sorted by id. */
export const namedSets = (ids: Iterable<number>): NamedSet[] =>
  [...new Set(ids)].sort((a, b) => a - b).map((id) => ({ id, name: permissionSetName(id, "zh-CN") }));

/** The account as the events describe it, read inside the transaction (after the change). */
async function describeAuthorizer(tx: Tx, appid: string) {
  const row = await tx.authorizer.findUniqueOrThrow({
    where: { appid },
    select: {
      componentAppid: true,
      merchantRef: true,
      accountType: true,
      nickName: true,
      principalName: true,
      permissionSets: { select: { funcscopeId: true } },
    },
  });
  return {
    component_appid: row.componentAppid,
    authorizer_appid: appid,
    merchant_ref: row.merchantRef,
    account_type: row.accountType,
    nick_name: row.nickName,
    principal_name: row.principalName,
    permission_sets: namedSets(row.permissionSets.map((set) => set.funcscopeId)),
  };
}

/**
 * A grant stored (completing an authorization): `authorizer.updated` when the account was already
 * authorized (with before/after/added/removed), else `authorizer.authorized`.
 */
export async function announceGrant(
  tx: Tx,
  {
    appid,
    wasActive,
    added,
    removed,
    attemptId,
    now,
  }: { appid: string; wasActive: boolean; added: number[]; removed: number[]; attemptId: string | null; now: Date },
): Promise<void> {
  const account = await describeAuthorizer(tx, appid);
  const data = { ...account, attempt_id: attemptId };
  if (!wasActive) {
    await recordEvent(tx, { type: "authorizer.authorized", data, now });
    return;
  }
  // The same grant again (an updateauthorized push that changed nothing) is no news; a link that
  // completed is, even with the same sets (the provider learns which link and merchant it was).
  if (added.length === 0 && removed.length === 0 && attemptId === null) return;
  const after = account.permission_sets.map((set) => set.id);
  const before = [...after.filter((id) => !added.includes(id)), ...removed];
  await recordEvent(tx, {
    type: "authorizer.updated",
    data: { ...data, before: namedSets(before), after: namedSets(after), added: namedSets(added), removed: namedSets(removed) },
    now,
  });
}

/** A link completed by a grant that was stored earlier without knowing its attempt. */
export async function announceLinkCompleted(tx: Tx, { appid, attemptId, now }: { appid: string; attemptId: string; now: Date }) {
  const account = await describeAuthorizer(tx, appid);
  await recordEvent(tx, { type: "authorizer.authorized", data: { ...account, attempt_id: attemptId }, now });
}

/** Who an account is, for the events that say it stopped being served (no grant to list). */
export type AccountIdentity = {
  component_appid: string;
  authorizer_appid: string;
  merchant_ref: string | null;
  account_type: string;
  nick_name: string | null;
};

const whoIs = (account: Awaited<ReturnType<typeof describeAuthorizer>>): AccountIdentity => ({
  component_appid: account.component_appid,
  authorizer_appid: account.authorizer_appid,
  merchant_ref: account.merchant_ref,
  account_type: account.account_type,
  nick_name: account.nick_name,
});

/** `account` as the revocation's own statement read it (lib/authorization/status.ts), on its transaction. */
export async function announceRevoked(sql: Sql, { account, at, source }: { account: AccountIdentity; at: Date; source: string }) {
  await recordEvent(sql, {
    type: "authorizer.revoked",
    data: { ...account, revoked_at: at.toISOString(), source },
    now: at,
  });
}

export async function announceReauthorizationRequired(
  tx: Tx,
  { appid, reason, errcode, now }: { appid: string; reason: string; errcode: number | null; now: Date },
) {
  const account = await describeAuthorizer(tx, appid);
  await recordEvent(tx, {
    type: "authorizer.reauthorization_required",
    data: { ...whoIs(account), reason, errcode },
    now,
  });
}

export type LinkEnd = "failed" | "expired" | "cancelled";

/** An attempt ended without an authorization. `attempt` is its row as written. */
export async function announceLinkFailed(
  tx: Tx,
  {
    attempt,
    status,
    reason,
    errcode,
    now,
  }: {
    attempt: { id: string; componentAppid: string; merchantRef: string | null };
    status: LinkEnd;
    reason: string;
    errcode?: number;
    now: Date;
  },
) {
  await recordEvent(tx, {
    type: "authorization_link.failed",
    data: {
      component_appid: attempt.componentAppid,
      authorizer_appid: null,
      merchant_ref: attempt.merchantRef,
      attempt_id: attempt.id,
      status,
      reason,
      ...(errcode !== undefined ? { errcode } : {}),
    },
    now,
  });
}
