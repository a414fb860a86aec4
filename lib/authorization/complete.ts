// Completing an authorization: exchange the auth code (api_query_auth), read the account
// (api_get_authorizer_info), and store authorizer, permission sets and credentials in one
// transaction. The redirect callback and the `authorized` push both carry the code and may race:
// a per-code lock and the AuthorizationCodeUse row make the second one find the first's result.
import { createHash } from "node:crypto";
import { db, getDatabase } from "../db";
import { ensureComponentRow } from "../component";
import { getEnv } from "../env";
import { logger } from "../logger";
import type { Prisma } from "../generated/prisma/client";
import { getComponentAccessToken, isTokenRejected, replaceRejectedComponentToken } from "../credentials/component-token";
import { CLEARED_TOKEN_CACHE, sealAuthorizerTokens } from "../credentials/authorizer-token";
import { wechatApi } from "../upstream";
import type { AuthorizationGrant, AuthorizerInfo } from "../wechat/api";
import { accountTypeForAuthType, profileColumns, replacePermissionSets, requireLifecycleOrder } from "./authorizer-record";

export type CompletionSource = "callback" | "push";

export type Completion = {
  authorizerAppid: string;
  permissionSetIds: number[];
  attemptId: string | null;
  /** True when this call found the code already exchanged (by the racing path, or a replay). */
  alreadyCompleted: boolean;
  /** Which path exchanged the code. */
  completedBy: CompletionSource;
};

export const hashCode = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

/** Both calls upstream, retried once with a new component token if WeChat rejects the current one. */
async function exchange(authCode: string): Promise<{ grant: AuthorizationGrant; info: AuthorizerInfo }> {
  const api = wechatApi();
  const componentAppid = getEnv().component.appid;
  let component = await getComponentAccessToken();
  const grant = await api
    .queryAuth({ componentAccessToken: component.token, componentAppid, authorizationCode: authCode })
    .catch(async (error: unknown) => {
      if (!isTokenRejected(error)) throw error;
      component = await replaceRejectedComponentToken(component.version);
      return api.queryAuth({ componentAccessToken: component.token, componentAppid, authorizationCode: authCode });
    });
  const info = await api.getAuthorizerInfo({
    componentAccessToken: component.token,
    componentAppid,
    authorizerAppid: grant.authorizerAppid,
  });
  return { grant, info };
}

type Tx = Prisma.TransactionClient;

async function store(
  tx: Tx,
  {
    grant,
    info,
    now,
    authType,
    eventAt,
  }: { grant: AuthorizationGrant; info: AuthorizerInfo; now: Date; authType: number | undefined; eventAt: Date | undefined },
): Promise<{ added: number[]; removed: number[]; wasActive: boolean }> {
  const appid = grant.authorizerAppid;
  const componentAppid = getEnv().component.appid;
  const before = await tx.authorizer.findUnique({ where: { appid }, select: { status: true, accountType: true } });
  const profile = profileColumns(info, { known: before?.accountType ?? accountTypeForAuthType(authType), now });
  const wasActive = before?.status === "authorized" || before?.status === "updated";
  await ensureComponentRow(tx, componentAppid);
  await tx.authorizer.upsert({
    where: { appid },
    create: { appid, componentAppid, ...profile, status: "authorized", authorizedAt: now, statusChangedAt: now },
    update: {
      ...profile,
      // Re-scanning while authorized changes the grant (updated); after a revocation it is a new authorization.
      ...(wasActive ? { status: "updated", updatedAuthorizationAt: now } : { status: "authorized", authorizedAt: now, revokedAt: null }),
      statusChangedAt: now,
    },
  });
  // A push older than the account's state (a late retry) rolls all of this back.
  await requireLifecycleOrder(tx, { appid, eventAt, now });
  const change = await replacePermissionSets(tx, { appid, sets: grant.permissionSets, now });

  const tokens = sealAuthorizerTokens({
    appid,
    accessToken: grant.authorizerAccessToken,
    expiresIn: grant.expiresIn,
    refreshToken: grant.authorizerRefreshToken,
    now,
  });
  await tx.authorizerCredential.upsert({
    where: { authorizerAppid: appid },
    create: { authorizerAppid: appid, ...tokens },
    // Any token cached before (jsapi_ticket included) belongs to the old grant.
    update: { ...CLEARED_TOKEN_CACHE, ...tokens, disabledAt: null, version: { increment: 1 } },
  });

  return { ...change, wasActive };
}

/**
 * The push completed the authorization without knowing its attempt (it carried a pre_auth_code the
 * attempt has since renewed away); the browser's callback names the attempt: record it as completed.
 */
async function linkAttempt({ codeHash, attemptId, completion }: { codeHash: string; attemptId: string; completion: Completion }): Promise<Completion> {
  const now = new Date();
  await db().$transaction([
    db().authorizationCodeUse.updateMany({ where: { codeHash, attemptId: null }, data: { attemptId } }),
    db().authorizationAttempt.updateMany({
      where: { id: attemptId, status: { in: ["pending", "expired"] } },
      data: {
        status: "completed",
        completedAt: now,
        authorizerAppid: completion.authorizerAppid,
        result: { authorizerAppid: completion.authorizerAppid, permissionSetIds: completion.permissionSetIds },
      },
    }),
  ]);
  return { ...completion, attemptId };
}

const inflight = new Map<string, Promise<Completion>>();

async function completeOnce({
  authCode,
  source,
  attemptId,
  preAuthCode,
  eventAt,
}: {
  authCode: string;
  source: CompletionSource;
  attemptId?: string;
  preAuthCode?: string;
  /** The push's CreateTime: its grant applies only if no newer change was applied. */
  eventAt?: Date;
}): Promise<Completion> {
  const codeHash = hashCode(authCode);
  const prisma = db();
  const found = async (tx: Pick<Tx, "authorizationCodeUse" | "authorizerPermissionSet">) => {
    const use = await tx.authorizationCodeUse.findUnique({ where: { codeHash } });
    if (!use) return null;
    const sets = await tx.authorizerPermissionSet.findMany({
      where: { authorizerAppid: use.authorizerAppid },
      select: { funcscopeId: true },
    });
    return {
      authorizerAppid: use.authorizerAppid,
      permissionSetIds: sets.map((s) => s.funcscopeId),
      attemptId: use.attemptId,
      alreadyCompleted: true,
      completedBy: use.source as CompletionSource,
    };
  };
  // One exchange per code across instances: the loser of a race waits here, then finds the
  // winner's result instead of asking WeChat again (which would refuse the used code).
  return getDatabase().withAdvisoryLock(`auth-code:${codeHash}`, async () => {
    const early = await found(prisma);
    if (early && attemptId && early.attemptId === null) return linkAttempt({ codeHash, attemptId, completion: early });
    if (early) return early;

    // Exchanged outside the transaction: the component token may need the database, and an
    // embedded database has a single connection.
    const exchanged = await exchange(authCode);
    const now = new Date();
    const result = await prisma.$transaction(
      async (tx) => {
        const attempt = attemptId
          ? await tx.authorizationAttempt.findUnique({ where: { id: attemptId } })
          : preAuthCode
            ? await tx.authorizationAttempt.findUnique({ where: { preAuthCode } })
            : null;
        const change = await store(tx, { grant: exchanged.grant, info: exchanged.info, now, authType: attempt?.authType, eventAt });
        await tx.authorizationCodeUse.create({
          data: {
            codeHash,
            authorizerAppid: exchanged.grant.authorizerAppid,
            attemptId: attempt?.id ?? null,
            source,
            callbackAt: source === "callback" ? now : null,
          },
        });
        const permissionSetIds = exchanged.grant.permissionSets.map((s) => s.id);
        if (attempt) {
          await tx.authorizationAttempt.update({
            where: { id: attempt.id },
            data: {
              status: "completed",
              completedAt: now,
              authorizerAppid: exchanged.grant.authorizerAppid,
              result: { authorizerAppid: exchanged.grant.authorizerAppid, permissionSetIds },
            },
          });
        }
        await tx.auditLog.create({
          data: {
            actorType: "wechat",
            action: change.wasActive ? "authorizer.authorization_updated" : "authorizer.authorized",
            target: exchanged.grant.authorizerAppid,
            details: { source, attemptId: attempt?.id ?? null, permissionSetIds, added: change.added, removed: change.removed },
          },
        });
        return {
          completion: {
            authorizerAppid: exchanged.grant.authorizerAppid,
            permissionSetIds,
            attemptId: attempt?.id ?? null,
            alreadyCompleted: false,
            completedBy: source,
          },
          change,
        };
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
    logger.info(
      { authorizerAppid: result.completion.authorizerAppid, source, added: result.change.added, removed: result.change.removed },
      "authorization completed",
    );
    return result.completion;
  });
}

/**
 * Completes the authorization behind `authCode`, once. A code WeChat refuses (61009 invalid or
 * used, 61010 expired) surfaces as the WeChatApiError, and nothing is stored.
 */
export function completeAuthorization(args: {
  authCode: string;
  source: CompletionSource;
  attemptId?: string;
  preAuthCode?: string;
  eventAt?: Date;
}): Promise<Completion> {
  const key = hashCode(args.authCode);
  let pending = inflight.get(key);
  if (!pending) {
    pending = completeOnce(args).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}
