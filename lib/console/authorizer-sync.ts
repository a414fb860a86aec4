// Bringing the portal in line with WeChat: re-read one account (api_get_authorizer_info), import
// every account WeChat says authorized us (api_get_authorizer_list, a batch at a time so the page can
// show progress), or reconcile everything after pushes may have been lost (the reconcile job). Tokens
// stay with lib/credentials: an import only stores the refresh token WeChat hands back, so the
// background refresh can take it from there. What WeChat says is applied only if no newer push was
// applied since we asked (lifecycle order, lib/authorization/authorizer-record.ts).
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { recordAudit } from "../audit";
import { withComponentToken } from "../credentials/component-token";
import { dropCachedAuthorizerTokens, storeRecoveredRefreshToken } from "../credentials/authorizer-credentials";
import {
  lifecycleEventAtFor,
  orderLifecycleChange,
  profileColumns,
  replacePermissionSets,
  type LifecycleChange,
} from "../authorization/authorizer-record";
import { markAuthorizerRevoked } from "../authorization/status";
import { wechatApi } from "../upstream";
import { MAX_AUTHORIZER_LIST_COUNT, type AuthorizerInfo, type AuthorizerListItem } from "../wechat/api";
import { WeChatApiError } from "../wechat/errors";
import { ConsoleError, toActionError, type ActionErrorCode } from "./errors";
import type { StaffActor } from "./safe-action";

const readInfo = (authorizerAppid: string) =>
  withComponentToken((componentAccessToken) =>
    wechatApi().getAuthorizerInfo({ componentAccessToken, componentAppid: getEnv().component.appid, authorizerAppid }),
  );

export type ResyncResult = { nickName: string | null; added: number[]; removed: number[] };

/** Re-reads the account's profile and permission sets from WeChat (a missed push, a renamed account). */
export async function resyncAuthorizerInfo({ appid, actor }: { appid: string; actor: StaffActor }): Promise<ResyncResult> {
  const known = await db().authorizer.findUnique({ where: { appid }, select: { accountType: true } });
  if (!known) throw new ConsoleError("not_found", `No authorizer ${appid}.`);
  const info = await readInfo(appid);
  const now = new Date();
  const change = await db().$transaction(async (tx) => {
    const profile = profileColumns(info, { known: known.accountType, now });
    await tx.authorizer.update({ where: { appid }, data: profile });
    return { nickName: profile.nickName, ...(await replacePermissionSets(tx, { appid, sets: info.authorization.permissionSets, now })) };
  });
  // Tokens issued under the old grant carry the old permission sets.
  if (change.added.length > 0 || change.removed.length > 0) await dropCachedAuthorizerTokens(appid);
  await recordAudit({
    ...actor,
    action: "authorizer.info_resynced",
    target: appid,
    details: { added: change.added, removed: change.removed },
  });
  return change;
}

type ImportOutcome = "created" | "reactivated" | "updated" | "superseded";

type ImportResult = { outcome: ImportOutcome; added: number[]; removed: number[] };

/** Who imports: staff from the sync page, or the reconcile job after a gap (with what detected it). */
type ImportMode = { kind: "staff"; actor: StaffActor } | { kind: "reconciliation"; reason: string };

/** The audit entry of an import, if it changed something worth one. */
function importAudit(mode: ImportMode, appid: string, result: ImportResult): Parameters<typeof recordAudit>[0] | null {
  const { outcome, added, removed } = result;
  if (mode.kind === "staff") {
    if (outcome !== "created" && outcome !== "reactivated") return null;
    return {
      ...mode.actor,
      action: `authorizer.${outcome === "created" ? "imported" : "reactivated"}`,
      target: appid,
      details: { source: "api_get_authorizer_list", added, removed },
    };
  }
  const change =
    outcome === "created"
      ? "authorized"
      : outcome === "reactivated"
        ? "reactivated"
        : added.length + removed.length > 0
          ? "permission_sets_changed"
          : null;
  if (!change) return null;
  return { actorType: "system", action: "authorizer.reconciled", target: appid, details: { reason: mode.reason, change, added, removed } };
}

/** Stores what WeChat said about one account at `readAt` (when we asked it). */
async function importOne({
  item,
  info,
  readAt,
  mode,
}: {
  item: AuthorizerListItem;
  info: AuthorizerInfo;
  readAt: Date;
  mode: ImportMode;
}): Promise<ImportResult> {
  const appid = item.authorizerAppid;
  const now = new Date();
  const refreshToken = item.refreshToken ?? info.authorization.authorizerRefreshToken;
  const observed: LifecycleChange = { kind: "observed", at: readAt };
  const result = await db().$transaction(async (tx): Promise<ImportResult> => {
    const before = await tx.authorizer.findUnique({
      where: { appid },
      select: { accountType: true, status: true, credential: { select: { refreshTokenEnc: true, disabledAt: true } } },
    });
    // A push applied since we asked WeChat (a revocation, say) is newer than what it told us.
    if (before && (await orderLifecycleChange(tx, { appid, change: observed })).order === "superseded") {
      return { outcome: "superseded", added: [], removed: [] };
    }
    const profile = profileColumns(info, { known: before?.accountType, now });
    // WeChat lists only accounts that authorized us now: one we hold as revoked (a missed push the
    // other way round) or needing re-authorization is authorized again.
    const inactive = before?.status === "revoked" || before?.status === "needs_reauthorization";
    await tx.authorizer.upsert({
      where: { appid },
      create: {
        appid,
        componentAppid: getEnv().component.appid,
        ...profile,
        status: "authorized",
        authorizedAt: item.authTime,
        statusChangedAt: now,
        lifecycleEventAt: lifecycleEventAtFor(observed),
      },
      update: { ...profile, ...(inactive ? { status: "authorized", statusChangedAt: now, revokedAt: null } : {}) },
    });
    const sets = await replacePermissionSets(tx, { appid, sets: info.authorization.permissionSets, now });
    const setsChanged = sets.added.length + sets.removed.length > 0;
    // A missed updateauthorized: the grant changed while authorized, as the push would have recorded.
    if (mode.kind === "reconciliation" && before && !inactive && setsChanged) {
      await tx.authorizer.update({ where: { appid }, data: { status: "updated", updatedAuthorizationAt: now, statusChangedAt: now } });
    }
    const credentialUsable = !!before?.credential?.refreshTokenEnc && !before.credential.disabledAt;
    if (refreshToken && (!before || inactive || !credentialUsable)) await storeRecoveredRefreshToken(tx, { appid, refreshToken });
    const imported: ImportResult = { outcome: !before ? "created" : inactive ? "reactivated" : "updated", ...sets };
    const audit = importAudit(mode, appid, imported);
    if (audit) await recordAudit(audit, tx);
    return imported;
  });
  // Tokens issued under the old grant carry the old permission sets.
  if (result.outcome === "updated" && result.added.length + result.removed.length > 0) await dropCachedAuthorizerTokens(appid);
  return result;
}

export type SyncFailure = { appid: string; code: ActionErrorCode; errcode?: number };

export type SyncBatch = {
  total: number;
  offset: number;
  processed: number;
  nextOffset: number;
  done: boolean;
  created: number;
  reactivated: number;
  updated: number;
  failed: SyncFailure[];
};

/** How many accounts one server action imports: small enough to report progress every second or two. */
export const SYNC_BATCH_SIZE = 20;
/** api_get_authorizer_info calls in flight at once within a batch. */
const INFO_CONCURRENCY = 5;

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Imports WeChat's authorizer list from `offset`, `count` accounts (one batch of the sync page). */
export async function importAuthorizerBatch({
  offset,
  count,
  actor,
}: {
  offset: number;
  count: number;
  actor: StaffActor;
}): Promise<SyncBatch> {
  const size = Math.min(Math.max(1, count), MAX_AUTHORIZER_LIST_COUNT);
  const page = await withComponentToken((componentAccessToken) =>
    wechatApi().getAuthorizerList({ componentAccessToken, componentAppid: getEnv().component.appid, offset, count: size }),
  );
  if (offset === 0) await recordAudit({ ...actor, action: "authorizer.sync_started", details: { total: page.totalCount } });
  const fetched = await mapLimited(page.items, INFO_CONCURRENCY, async (item) => {
    const readAt = new Date();
    try {
      return { item, readAt, info: await readInfo(item.authorizerAppid) };
    } catch (error) {
      return { item, readAt, error };
    }
  });
  const batch: SyncBatch = {
    total: page.totalCount,
    offset,
    processed: page.items.length,
    nextOffset: offset + page.items.length,
    done: page.items.length === 0 || offset + page.items.length >= page.totalCount,
    created: 0,
    reactivated: 0,
    updated: 0,
    failed: [],
  };
  // Writes one after another: the embedded database has one connection, and each is a short transaction.
  for (const entry of fetched) {
    try {
      if ("error" in entry) throw entry.error;
      const { outcome } = await importOne({ item: entry.item, info: entry.info, readAt: entry.readAt, mode: { kind: "staff", actor } });
      // Superseded: a push newer than our question was applied meanwhile; the account is up to date.
      batch[outcome === "superseded" ? "updated" : outcome]++;
    } catch (error) {
      const mapped = toActionError(error);
      batch.failed.push({
        appid: entry.item.authorizerAppid,
        code: mapped.code,
        ...(error instanceof WeChatApiError ? { errcode: error.errcode } : {}),
      });
    }
  }
  if (batch.done) await recordAudit({ ...actor, action: "authorizer.sync_finished", details: { total: page.totalCount } });
  return batch;
}

// ---------------------------------------------------------------------------------------------
// Reconciliation after a gap
// ---------------------------------------------------------------------------------------------

export type ReconcileChange = "authorized" | "reactivated" | "permission_sets_changed" | "revoked";

export type ReconciliationSummary = {
  reason: string;
  /** Accounts WeChat lists as authorizing us. */
  listed: number;
  /** Accounts we held as authorized that WeChat no longer lists, each asked about. */
  unlisted: number;
  changes: Record<ReconcileChange, number>;
  /** Left alone: a push newer than our question was applied meanwhile. */
  superseded: number;
  failed: SyncFailure[];
};

const WECHAT_REVOKED = 61003;

/** Every account WeChat lists, page by page. */
async function readWholeList(): Promise<AuthorizerListItem[]> {
  const items: AuthorizerListItem[] = [];
  for (let offset = 0; ;) {
    const page = await withComponentToken((componentAccessToken) =>
      wechatApi().getAuthorizerList({
        componentAccessToken,
        componentAppid: getEnv().component.appid,
        offset,
        count: MAX_AUTHORIZER_LIST_COUNT,
      }),
    );
    items.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.totalCount) return items;
  }
}

/**
 * Brings every account in line with WeChat after pushes may have been lost: accounts authorized
 * meanwhile are imported, revoked ones marked, changed permission sets stored; each change is an
 * `authorizer.reconciled` entry in the account's timeline and the audit log. Throws only when
 * WeChat's list cannot be read (nothing was changed then); one account failing is reported in
 * `failed` and the rest go on.
 */
export async function reconcileWithWeChat({ reason }: { reason: string }): Promise<ReconciliationSummary> {
  const listed = await readWholeList();
  const listedAppids = new Set(listed.map((item) => item.authorizerAppid));
  const held = await db().authorizer.findMany({
    where: { componentAppid: getEnv().component.appid, status: { in: ["authorized", "updated", "needs_reauthorization"] } },
    select: { appid: true },
  });
  // Not listed: revoked while we were not listening, unless it authorized us after the list was read.
  const unlisted = held.filter((row) => !listedAppids.has(row.appid)).map((row) => row.appid);
  const targets: { item: AuthorizerListItem; listed: boolean }[] = [
    ...listed.map((item) => ({ item, listed: true })),
    ...unlisted.map((appid) => ({ item: { authorizerAppid: appid, authTime: new Date() }, listed: false })),
  ];
  const summary: ReconciliationSummary = {
    reason,
    listed: listed.length,
    unlisted: unlisted.length,
    changes: { authorized: 0, reactivated: 0, permission_sets_changed: 0, revoked: 0 },
    superseded: 0,
    failed: [],
  };
  const mode: ImportMode = { kind: "reconciliation", reason };
  for (let start = 0; start < targets.length; start += SYNC_BATCH_SIZE) {
    const fetched = await mapLimited(targets.slice(start, start + SYNC_BATCH_SIZE), INFO_CONCURRENCY, async ({ item }) => {
      const readAt = new Date();
      try {
        return { item, readAt, info: await readInfo(item.authorizerAppid) };
      } catch (error) {
        return { item, readAt, error };
      }
    });
    // Writes one after another, as the sync page does.
    for (const entry of fetched) {
      const appid = entry.item.authorizerAppid;
      try {
        if ("error" in entry) {
          if (!(entry.error instanceof WeChatApiError && entry.error.errcode === WECHAT_REVOKED)) throw entry.error;
          const outcome = await markAuthorizerRevoked({
            authorizerAppid: appid,
            at: entry.readAt,
            source: "reconciliation",
            audit: { action: "authorizer.reconciled", details: { reason, change: "revoked", errcode: WECHAT_REVOKED } },
          });
          if (outcome === "revoked") summary.changes.revoked++;
          if (outcome === "superseded") summary.superseded++;
          continue;
        }
        const { outcome, added, removed } = await importOne({ item: entry.item, info: entry.info, readAt: entry.readAt, mode });
        if (outcome === "created") summary.changes.authorized++;
        else if (outcome === "reactivated") summary.changes.reactivated++;
        else if (outcome === "superseded") summary.superseded++;
        else if (added.length + removed.length > 0) summary.changes.permission_sets_changed++;
      } catch (error) {
        const mapped = toActionError(error);
        summary.failed.push({ appid, code: mapped.code, ...(error instanceof WeChatApiError ? { errcode: error.errcode } : {}) });
      }
    }
  }
  await recordAudit({ actorType: "system", action: "authorizer.reconciliation_finished", details: summary });
  if (summary.failed.length > 0) logger.error({ reason, failed: summary.failed }, "reconciliation: some accounts could not be read");
  logger.info({ reason, listed: summary.listed, changes: summary.changes, superseded: summary.superseded }, "reconciled with WeChat");
  return summary;
}
