// How WeChat's description of an account (api_get_authorizer_info, api_query_auth) becomes our
// authorizer row and its permission sets. Shared by completing an authorization and by the
// console's re-sync / import, so both store the same thing the same way.
import type { Prisma } from "../generated/prisma/client";
import type { AccountType, AuthorizerStatus } from "../generated/prisma/enums";
import type { Sql } from "../db";
import type { AuthorizerInfo, PermissionSetGrant } from "../wechat/api";

type Tx = Prisma.TransactionClient;

/** auth_type 4 (推客) and 5 (视频号) name the account type WeChat's info leaves out. */
export const accountTypeForAuthType = (authType: number | undefined): AccountType | undefined =>
  authType === 4 ? "promoter" : authType === 5 ? "channels" : undefined;

/**
 * api_get_authorizer_info only tells mini programs (MiniProgramInfo) from the rest; a 视频号 or 推客
 * account we already know as such keeps its type.
 */
export function accountTypeFrom(info: AuthorizerInfo, known: AccountType | undefined): AccountType {
  if (info.profile.accountType === "mini_program") return "mini_program";
  if (known === "channels" || known === "promoter") return known;
  return "official_account";
}

export function profileColumns(info: AuthorizerInfo, { known, now }: { known: AccountType | undefined; now: Date }) {
  const p = info.profile;
  return {
    accountType: accountTypeFrom(info, known),
    nickName: p.nickName ?? null,
    headImg: p.headImg ?? null,
    principalName: p.principalName ?? null,
    userName: p.userName ?? null,
    alias: p.alias ?? null,
    qrcodeUrl: p.qrcodeUrl ?? null,
    signature: p.signature ?? null,
    serviceType: p.serviceTypeId ?? null,
    verifyType: p.verifyTypeId ?? null,
    businessInfo: (p.businessInfo ?? undefined) as Prisma.InputJsonValue | undefined,
    miniProgramInfo: (p.miniProgram ?? undefined) as Prisma.InputJsonValue | undefined,
    infoSyncedAt: now,
  };
}

/** Makes the stored permission sets exactly `sets`; returns what changed. */
export async function replacePermissionSets(
  tx: Tx,
  { appid, sets, now }: { appid: string; sets: PermissionSetGrant[]; now: Date },
): Promise<{ added: number[]; removed: number[] }> {
  const before = new Set(
    (await tx.authorizerPermissionSet.findMany({ where: { authorizerAppid: appid }, select: { funcscopeId: true } })).map(
      (s) => s.funcscopeId,
    ),
  );
  const ids = sets.map((set) => set.id);
  await tx.authorizerPermissionSet.deleteMany({ where: { authorizerAppid: appid, funcscopeId: { notIn: ids } } });
  for (const set of sets) {
    const confirmInfo = (set.confirm ?? undefined) as Prisma.InputJsonValue | undefined;
    await tx.authorizerPermissionSet.upsert({
      where: { authorizerAppid_funcscopeId: { authorizerAppid: appid, funcscopeId: set.id } },
      create: { authorizerAppid: appid, funcscopeId: set.id, confirmInfo, grantedAt: now },
      update: { confirmInfo },
    });
  }
  return { added: ids.filter((id) => !before.has(id)), removed: [...before].filter((id) => !ids.includes(id)) };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle order
// ---------------------------------------------------------------------------------------------

/**
 * How much older than the moment it looked the portal records its own observation (a callback's
 * fresh code, a 61003, a reconciliation's read): CreateTime is whole seconds, and WeChat's clock and
 * ours differ a little, so a push made just after we looked must not count as older than our look.
 */
export const OBSERVATION_SLACK_MS = 2_000;

/**
 * A change to an authorizer's lifecycle (status, permission sets) and when it happened:
 * - `push`: an authorized / updateauthorized / unauthorized push, at its CreateTime;
 * - `observed`: WeChat's state as the portal read it at `at` (61003, a reconciliation);
 * - `callback`: the merchant's browser just brought a code WeChat issued now: always the newest.
 */
export type LifecycleChange = { kind: "push"; createdAt: Date } | { kind: "observed"; at: Date } | { kind: "callback"; at: Date };

export type LifecycleOrder = "applied" | "superseded" | "unknown";

/**
 * The ordering as parts of one statement, so a caller can run it together with a write of its own
 * (the event URL stores the push in the same statement): the CTE `moved` moves the watermark unless
 * the change is older than it ($2: a push's CreateTime, the moment an observation looked; null for
 * the callback, which is always newest; $3: the watermark it leaves, GREATEST skipping a null), and
 * `result` says what happened. `status` is the account's, which this leaves alone; `watermark` is
 * the one a superseded change lost to.
 */
export const LIFECYCLE_ORDER = {
  cte: `moved AS (
  UPDATE authorizers SET lifecycle_event_at = GREATEST(lifecycle_event_at, $3::timestamptz)
  WHERE appid = $1 AND ($2::timestamptz IS NULL OR lifecycle_event_at IS NULL OR lifecycle_event_at <= $2::timestamptz)
  RETURNING status::text
)`,
  /** The rest of the SELECT: its columns and the FROM they are read from. */
  result: `(SELECT status FROM moved) AS status, a.lifecycle_event_at AS watermark, a.appid IS NOT NULL AS known
FROM (SELECT) AS one LEFT JOIN authorizers a ON a.appid = $1`,
  /** $1, $2 and $3. */
  params: (appid: string, change: LifecycleChange): [string, Date | null, Date] => [
    appid,
    change.kind === "push" ? change.createdAt : change.kind === "observed" ? change.at : null,
    lifecycleEventAtFor(change),
  ],
  read(row: LifecycleOrderRow | undefined): OrderedChange {
    if (row?.status) return { order: "applied", status: row.status, watermark: null };
    return row?.known
      ? { order: "superseded", status: null, watermark: row.watermark }
      : { order: "unknown", status: null, watermark: null };
  },
};

export type LifecycleOrderRow = { status: AuthorizerStatus | null; watermark: Date | null; known: boolean };

/** `watermark`: for a superseded change, the newer one it lost to. */
export type OrderedChange = { order: LifecycleOrder; status: AuthorizerStatus | null; watermark: Date | null };

const ORDER_LIFECYCLE_CHANGE = `WITH ${LIFECYCLE_ORDER.cte}\nSELECT ${LIFECYCLE_ORDER.result}`;

/**
 * Claims the right to change `appid`'s lifecycle: a change applies only if it is not older than the
 * last one applied (ties apply: CreateTime cannot order changes within one second). On "applied" the
 * watermark has moved (and the row is locked until the transaction ends); "superseded" leaves it
 * alone; "unknown" means no such authorizer (the caller creates it, with `lifecycleEventAt`).
 * Runs on a Prisma transaction or a pool transaction (lib/db's `transaction`) alike.
 */
export async function orderLifecycleChange(tx: Sql, { appid, change }: { appid: string; change: LifecycleChange }): Promise<OrderedChange> {
  const [row] = await tx.$queryRawUnsafe<LifecycleOrderRow[]>(ORDER_LIFECYCLE_CHANGE, ...LIFECYCLE_ORDER.params(appid, change));
  return LIFECYCLE_ORDER.read(row);
}

/** The watermark a change leaves on an authorizer it creates. */
export const lifecycleEventAtFor = (change: LifecycleChange): Date =>
  change.kind === "push" ? change.createdAt : new Date(change.at.getTime() - OBSERVATION_SLACK_MS);

/** A lifecycle change older than the authorizer's state: nothing was changed. */
export class SupersededChangeError extends Error {
  constructor(readonly appid: string) {
    super(`a newer change to ${appid} was applied already; this older one changes nothing`);
    this.name = "SupersededChangeError";
  }
}

/**
 * For completing an authorization, after its authorizer row is written: a push's grant (`eventAt`,
 * its CreateTime) applies only in order; the callback's always does. Throws SupersededChangeError,
 * so the transaction rolls back.
 */
export async function requireLifecycleOrder(
  tx: Sql,
  { appid, eventAt, now }: { appid: string; eventAt: Date | undefined; now: Date },
): Promise<void> {
  const change: LifecycleChange = eventAt ? { kind: "push", createdAt: eventAt } : { kind: "callback", at: now };
  if ((await orderLifecycleChange(tx, { appid, change })).order === "superseded") throw new SupersededChangeError(appid);
}
