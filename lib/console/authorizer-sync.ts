// Bringing the portal in line with WeChat: re-read one account (api_get_authorizer_info), or import
// every account WeChat says authorized us (api_get_authorizer_list, a batch at a time so the page can
// show progress). Tokens stay with lib/credentials: an import only stores the refresh token WeChat
// hands back, so the background refresh can take it from there.
import { db } from "../db";
import { getEnv } from "../env";
import { recordAudit } from "../audit";
import type { Prisma } from "../generated/prisma/client";
import type { AccountType } from "../generated/prisma/enums";
import { withComponentToken } from "../credentials/component-token";
import { dropCachedAuthorizerTokens, refreshTokenColumns } from "../credentials/authorizer-token";
import { profileColumns, replacePermissionSets } from "../authorization/authorizer-record";
import { wechatApi } from "../upstream";
import { MAX_AUTHORIZER_LIST_COUNT, type AuthorizerInfo, type AuthorizerListItem } from "../wechat/api";
import { WeChatApiError } from "../wechat/errors";
import { ConsoleError, toActionError, type ActionErrorCode } from "./errors";
import type { StaffActor } from "./safe-action";

type Tx = Prisma.TransactionClient;

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

/**
 * Stores a refresh token WeChat handed back (list or info) and re-enables the credential: the
 * access token is cleared, so the background refresh fetches one on its next round.
 */
async function storeRefreshToken(tx: Tx, appid: string, refreshToken: string): Promise<void> {
  const columns = refreshTokenColumns({ appid, refreshToken });
  await tx.authorizerCredential.upsert({
    where: { authorizerAppid: appid },
    create: { authorizerAppid: appid, ...columns },
    update: { ...columns, version: { increment: 1 } },
  });
}

type ImportOutcome = "created" | "reactivated" | "updated";

async function importOne({
  item,
  info,
  actor,
}: {
  item: AuthorizerListItem;
  info: AuthorizerInfo;
  actor: StaffActor;
}): Promise<ImportOutcome> {
  const appid = item.authorizerAppid;
  const now = new Date();
  const refreshToken = item.refreshToken ?? info.authorization.authorizerRefreshToken;
  return db().$transaction(async (tx) => {
    const before = await tx.authorizer.findUnique({
      where: { appid },
      select: { accountType: true, status: true, credential: { select: { refreshTokenEnc: true, disabledAt: true } } },
    });
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
      },
      update: { ...profile, ...(inactive ? { status: "authorized", statusChangedAt: now, revokedAt: null } : {}) },
    });
    const sets = await replacePermissionSets(tx, { appid, sets: info.authorization.permissionSets, now });
    const credentialUsable = !!before?.credential?.refreshTokenEnc && !before.credential.disabledAt;
    if (refreshToken && (!before || inactive || !credentialUsable)) await storeRefreshToken(tx, appid, refreshToken);
    const outcome: ImportOutcome = !before ? "created" : inactive ? "reactivated" : "updated";
    if (outcome !== "updated") {
      await recordAudit(
        {
          ...actor,
          action: `authorizer.${outcome === "created" ? "imported" : "reactivated"}`,
          target: appid,
          details: { source: "api_get_authorizer_list", ...sets },
        },
        tx,
      );
    }
    return outcome;
  });
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
    try {
      return { item, info: await readInfo(item.authorizerAppid) };
    } catch (error) {
      return { item, error };
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
      batch[await importOne({ item: entry.item, info: entry.info, actor })]++;
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
