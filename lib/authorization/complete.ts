// Completing an authorization: exchange the auth code (api_query_auth), read the account
// (api_get_authorizer_info), and store authorizer, permission sets and credentials in one
// transaction, completing the attempt the code belongs to. The redirect callback and the
// `authorized` push both carry the code and may race, on one instance or several: whoever claims the
// code's AuthorizationCodeUse row first (INSERT ... ON CONFLICT DO NOTHING, with a lease) asks
// WeChat; the other polls the row for its result. Nothing here holds a database connection while it
// waits for WeChat or for another connection. A code WeChat refused is remembered, so asking again
// costs no upstream call.
//
// Which attempt a code belongs to: the push names the pre_auth_code the admin confirmed with, which
// finds the attempt that was given it (AuthorizationAttemptCode). The redirect names an attempt (id +
// state in redirect_uri); WeChat's answer to api_query_auth does not say which pre_auth_code produced
// the code. So the push's word wins when it is here first; otherwise the callback's attempt is taken
// if it can still complete, has been given a pre_auth_code, and (with biz_appid) got that account;
// a push arriving later that names another attempt is recorded as a mismatch.
//
// The same transaction binds the account to the completed attempt's merchant_ref and announces the
// grant (authorizer.authorized / authorizer.updated, lib/authorization/lifecycle-events.ts): a grant
// that rolls back (a superseded push) announces nothing.
import { createHash } from "node:crypto";
import { db } from "../db";
import { ensureComponentRow } from "../component";
import { getEnv } from "../env";
import { logger } from "../logger";
import type { AuthorizationAttempt, AuthorizationCodeUse, Prisma } from "../generated/prisma/client";
import { getComponentAccessToken, isTokenRejected, replaceRejectedComponentToken } from "../credentials/component-token";
import { storeGrant } from "../credentials/authorizer-credentials";
import { wechatApi } from "../upstream";
import type { AuthorizationGrant, AuthorizerInfo } from "../wechat/api";
import { WeChatApiError } from "../wechat/errors";
import { canComplete, failAttempt, findAttemptIdByCode } from "./attempts";
import { requestReconciliation } from "./push-gaps";
import {
  accountTypeForAuthType,
  profileColumns,
  replacePermissionSets,
  requireLifecycleOrder,
  SupersededChangeError,
} from "./authorizer-record";
import { announceGrant, announceLinkCompleted } from "./lifecycle-events";
import { bindMerchant } from "./merchant-binding";

export type CompletionSource = "callback" | "push";

/** Why the attempt a code arrived for was not completed with it. */
export type AttachRefusal =
  /** Cancelled, expired, failed, or completed with another code. */
  | "not_completable"
  /** The attempt names one account (biz_appid) and the admin authorized another. */
  | "wrong_account"
  /** The code belongs to another attempt (the push named that attempt's pre_auth_code). */
  | "other_attempt"
  /** The attempt was never given a pre_auth_code, so no code can be its. */
  | "no_code_issued";

export type Completion = {
  authorizerAppid: string;
  permissionSetIds: number[];
  /** The attempt this code completed, if any. */
  attemptId: string | null;
  /** True when this call found the code already exchanged (by the racing path, or a replay). */
  alreadyCompleted: boolean;
  /** Which path exchanged the code. */
  completedBy: CompletionSource;
  /** Set when the attempt this arrival named (or its push's pre_auth_code found) was not completed. */
  refused: AttachRefusal | null;
};

/** The code is being exchanged elsewhere and that did not finish in time; the caller may come back later. */
export class CodeExchangeBusy extends Error {
  constructor() {
    super("another exchange of this auth code is still under way");
    this.name = "CodeExchangeBusy";
  }
}

export const hashCode = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

/** 61009 invalid (or used), 61010 expired: asking again cannot change WeChat's mind. */
const REFUSAL_ERRCODES = new Set([61009, 61010]);
/** The holder of a claim has this long (every WeChat call it makes times out well before). */
const CLAIM_LEASE_MS = 60_000;
const CLAIM_POLL_MS = 100;

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
  const info = await api
    .getAuthorizerInfo({ componentAccessToken: component.token, componentAppid, authorizerAppid: grant.authorizerAppid })
    .catch(async (error: unknown) => {
      // WeChat has spent the code and handed over the refresh token, which this process now holds
      // alone: without it the merchant would have to authorize again. WeChat's authorizer list has
      // it too, so ask for the reconciliation that imports the account from there.
      await requestReconciliation({ reason: "grant_unfinished" }).catch(() => {});
      throw error;
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

  await storeGrant(tx, {
    appid,
    accessToken: grant.authorizerAccessToken,
    expiresIn: grant.expiresIn,
    refreshToken: grant.authorizerRefreshToken,
    now,
  });

  return { ...change, wasActive };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Claim =
  | { kind: "won"; lease: Date }
  | { kind: "done"; use: AuthorizationCodeUse & { authorizerAppid: string } }
  | { kind: "refused"; errcode: number };

/** Claims the code for exchange, or waits (polling, no connection held) for whoever has. */
async function claimCode({ codeHash, source }: { codeHash: string; source: CompletionSource }): Promise<Claim> {
  const prisma = db();
  const giveUpAt = Date.now() + CLAIM_LEASE_MS + 5_000;
  for (;;) {
    const now = new Date();
    const use = await prisma.authorizationCodeUse.findUnique({ where: { codeHash } });
    if (use?.authorizerAppid) return { kind: "done", use: { ...use, authorizerAppid: use.authorizerAppid } };
    if (use?.errcode != null) return { kind: "refused", errcode: use.errcode };
    if (use?.leaseUntil && use.leaseUntil > now) {
      if (Date.now() > giveUpAt) throw new CodeExchangeBusy();
      await pause(CLAIM_POLL_MS);
      continue;
    }
    const lease = new Date(now.getTime() + CLAIM_LEASE_MS);
    const won = use
      ? // A claim whose holder died (its lease lapsed) is taken over.
        await prisma.authorizationCodeUse.updateMany({
          where: { codeHash, authorizerAppid: null, errcode: null, OR: [{ leaseUntil: null }, { leaseUntil: { lte: now } }] },
          data: { leaseUntil: lease, source },
        })
      : await prisma.authorizationCodeUse.createMany({ data: [{ codeHash, source, leaseUntil: lease }], skipDuplicates: true });
    if (won.count === 1) return { kind: "won", lease };
  }
}

const remembered = (errcode: number) =>
  new WeChatApiError({ errcode, errmsg: "refused when it was exchanged before (remembered)", endpoint: "api_query_auth" });

/** Whether `attempt` may be completed by a grant for `authorizerAppid`, or why not. */
function judge(attempt: AuthorizationAttempt, authorizerAppid: string, now: Date): AttachRefusal | null {
  if (!canComplete(attempt, now)) return "not_completable";
  if (attempt.codesIssued === 0) return "no_code_issued";
  if (attempt.bizAppid && attempt.bizAppid !== authorizerAppid) return "wrong_account";
  return null;
}

/**
 * Completes `attempt` with the grant, or records why not, in the caller's transaction. Returns the
 * refusal, or null when it was completed.
 */
async function attach(
  tx: Tx,
  {
    attempt,
    authorizerAppid,
    permissionSetIds,
    source,
    now,
  }: { attempt: AuthorizationAttempt; authorizerAppid: string; permissionSetIds: number[]; source: CompletionSource; now: Date },
): Promise<AttachRefusal | null> {
  const refusal = judge(attempt, authorizerAppid, now);
  if (refusal === "wrong_account") {
    // Recorded on the attempt (its pages say so, with a retry) and in the audit log.
    await failAttempt({ id: attempt.id, status: "failed", reason: "wrong_account", details: { authorizerAppid } }, tx);
    await tx.auditLog.create({
      data: {
        actorType: "wechat",
        action: "authorization.wrong_account",
        target: attempt.bizAppid,
        details: { attemptId: attempt.id, expected: attempt.bizAppid, authorized: authorizerAppid, source },
      },
    });
  }
  if (refusal) {
    logger.warn(
      { attemptId: attempt.id, authorizerAppid, source, refusal },
      "an authorization did not complete the attempt it arrived for",
    );
    return refusal;
  }
  const { count } = await tx.authorizationAttempt.updateMany({
    where: { id: attempt.id, status: "pending" },
    data: {
      status: "completed",
      completedAt: now,
      renewingUntil: null,
      authorizerAppid,
      result: { authorizerAppid, permissionSetIds },
    },
  });
  return count === 1 ? null : "not_completable";
}

type Arrival = { source: CompletionSource; candidate: string | null };

/** A completed attempt's merchant_ref becomes the account's (from now on: a later link may move it). */
async function bindAttemptMerchant(
  tx: Tx,
  { attempt, authorizerAppid, now }: { attempt: AuthorizationAttempt; authorizerAppid: string; now: Date },
) {
  if (!attempt.merchantRef) return;
  await bindMerchant(tx, {
    authorizerAppid,
    componentAppid: attempt.componentAppid,
    merchantRef: attempt.merchantRef,
    attemptId: attempt.id,
    source: "link",
    now,
  });
}

/** We hold the claim: ask WeChat, then store everything in one transaction. */
async function exchangeAndStore({
  authCode,
  codeHash,
  lease,
  arrival,
  eventAt,
}: {
  authCode: string;
  codeHash: string;
  lease: Date;
  arrival: Arrival;
  eventAt: Date | undefined;
}): Promise<Completion | "retry"> {
  const prisma = db();
  let exchanged: { grant: AuthorizationGrant; info: AuthorizerInfo };
  try {
    exchanged = await exchange(authCode);
  } catch (error) {
    if (error instanceof WeChatApiError && REFUSAL_ERRCODES.has(error.errcode)) {
      const { count } = await prisma.authorizationCodeUse.updateMany({
        where: { codeHash, authorizerAppid: null },
        data: { errcode: error.errcode, leaseUntil: null },
      });
      // Our claim lapsed and its taker stored the grant first: that result stands.
      if (count === 0) return "retry";
    } else {
      // Temporary (WeChat unreachable, no ticket yet...): let the next arrival try again.
      await prisma.authorizationCodeUse.deleteMany({ where: { codeHash, authorizerAppid: null, errcode: null, leaseUntil: lease } });
    }
    throw error;
  }
  const now = new Date();
  const { grant, info } = exchanged;
  const permissionSetIds = grant.permissionSets.map((s) => s.id);
  try {
    const result = await prisma.$transaction(
      async (tx) => {
        const attempt = arrival.candidate ? await tx.authorizationAttempt.findUnique({ where: { id: arrival.candidate } }) : null;
        const change = await store(tx, { grant, info, now, authType: attempt?.authType, eventAt });
        const refused = attempt
          ? await attach(tx, { attempt, authorizerAppid: grant.authorizerAppid, permissionSetIds, source: arrival.source, now })
          : null;
        const attemptId = attempt && !refused ? attempt.id : null;
        if (attempt && attemptId) await bindAttemptMerchant(tx, { attempt, authorizerAppid: grant.authorizerAppid, now });
        await announceGrant(tx, {
          appid: grant.authorizerAppid,
          wasActive: change.wasActive,
          added: change.added,
          removed: change.removed,
          attemptId,
          now,
        });
        await tx.authorizationCodeUse.update({
          where: { codeHash },
          data: {
            authorizerAppid: grant.authorizerAppid,
            attemptId,
            source: arrival.source,
            leaseUntil: null,
            errcode: null,
            // The browser's first arrival, if it completed its attempt; a refused one leaves it for the right one.
            callbackAt: arrival.source === "callback" && attemptId ? now : null,
          },
        });
        await tx.auditLog.create({
          data: {
            actorType: "wechat",
            action: change.wasActive ? "authorizer.authorization_updated" : "authorizer.authorized",
            target: grant.authorizerAppid,
            details: { source: arrival.source, attemptId, permissionSetIds, added: change.added, removed: change.removed },
          },
        });
        return { attemptId, refused, change };
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
    logger.info(
      { authorizerAppid: grant.authorizerAppid, source: arrival.source, added: result.change.added, removed: result.change.removed },
      "authorization completed",
    );
    return {
      authorizerAppid: grant.authorizerAppid,
      permissionSetIds,
      attemptId: result.attemptId,
      alreadyCompleted: false,
      completedBy: arrival.source,
      refused: result.refused,
    };
  } catch (error) {
    // WeChat has spent the code: whatever happened to the grant, asking again would be refused.
    if (error instanceof SupersededChangeError) {
      await prisma.authorizationCodeUse.updateMany({
        where: { codeHash, authorizerAppid: null },
        data: { errcode: 61009, leaseUntil: null },
      });
    } else {
      logger.error({ err: error, authorizerAppid: grant.authorizerAppid }, "an exchanged authorization could not be stored");
      await prisma.authorizationCodeUse.deleteMany({ where: { codeHash, authorizerAppid: null, leaseUntil: lease } });
    }
    throw error;
  }
}

/** The code was exchanged before (the racing path, or a replay): this arrival's attempt, as the record allows. */
async function arriveLate({
  use,
  arrival,
}: {
  use: AuthorizationCodeUse & { authorizerAppid: string };
  arrival: Arrival;
}): Promise<Completion> {
  const prisma = db();
  const sets = await prisma.authorizerPermissionSet.findMany({
    where: { authorizerAppid: use.authorizerAppid },
    select: { funcscopeId: true },
  });
  const completion: Completion = {
    authorizerAppid: use.authorizerAppid,
    permissionSetIds: sets.map((s) => s.funcscopeId),
    attemptId: use.attemptId,
    alreadyCompleted: true,
    completedBy: use.source as CompletionSource,
    refused: null,
  };
  const { candidate } = arrival;
  if (!candidate || candidate === use.attemptId) return completion;
  if (use.attemptId !== null) {
    if (arrival.source === "push") {
      // The callback took the code for its attempt before the push said whose pre_auth_code it was.
      await prisma.auditLog.create({
        data: {
          actorType: "wechat",
          action: "authorization.attempt_mismatch",
          target: use.authorizerAppid,
          details: { completedAttemptId: use.attemptId, pushAttemptId: candidate },
        },
      });
      logger.warn(
        { completedAttemptId: use.attemptId, pushAttemptId: candidate },
        "an auth code completed another attempt than its push names",
      );
    }
    return { ...completion, refused: "other_attempt" };
  }
  // Exchanged without knowing its attempt (a push with a pre_auth_code we never gave out, or a
  // grant for another account than the attempt wanted): this arrival names one.
  const now = new Date();
  const refused = await prisma.$transaction(async (tx) => {
    const attempt = await tx.authorizationAttempt.findUnique({ where: { id: candidate } });
    if (!attempt) return "not_completable" as const;
    const linked = await tx.authorizationCodeUse.updateMany({
      where: { codeHash: use.codeHash, attemptId: null },
      data: { attemptId: candidate },
    });
    if (linked.count === 0) return "other_attempt" as const;
    const outcome = await attach(tx, {
      attempt,
      authorizerAppid: use.authorizerAppid,
      permissionSetIds: completion.permissionSetIds,
      source: arrival.source,
      now,
    });
    // Not this attempt's after all: the record stays without one.
    if (outcome) {
      await tx.authorizationCodeUse.updateMany({ where: { codeHash: use.codeHash, attemptId: candidate }, data: { attemptId: null } });
      return outcome;
    }
    // The grant was announced when it was stored, without a link; now the link is done too.
    await bindAttemptMerchant(tx, { attempt, authorizerAppid: use.authorizerAppid, now });
    await announceLinkCompleted(tx, { appid: use.authorizerAppid, attemptId: candidate, now });
    return null;
  });
  return refused ? { ...completion, refused } : { ...completion, attemptId: candidate };
}

async function completeOnce(args: CompleteArgs & { arrival: Arrival }): Promise<Completion> {
  const codeHash = hashCode(args.authCode);
  for (;;) {
    const claim = await claimCode({ codeHash, source: args.arrival.source });
    if (claim.kind === "refused") throw remembered(claim.errcode);
    if (claim.kind === "done") return arriveLate({ use: claim.use, arrival: args.arrival });
    const completion = await exchangeAndStore({
      authCode: args.authCode,
      codeHash,
      lease: claim.lease,
      arrival: args.arrival,
      eventAt: args.eventAt,
    });
    if (completion !== "retry") return completion;
  }
}

type CompleteArgs = {
  authCode: string;
  source: CompletionSource;
  /** The callback's attempt (from redirect_uri, its state checked). */
  attemptId?: string;
  /** The push's PreAuthCode: finds the attempt that was given it. */
  preAuthCode?: string;
  /** The push's CreateTime: its grant applies only if no newer change was applied. */
  eventAt?: Date;
};

const inflight = new Map<string, { arrival: Arrival; promise: Promise<Completion> }>();

/**
 * Completes the authorization behind `authCode`, once, and the attempt it belongs to when it can. A
 * code WeChat refuses (61009 invalid or used, 61010 expired) surfaces as the WeChatApiError, and
 * nothing is stored; CodeExchangeBusy when another exchange of it is stuck.
 */
export async function completeAuthorization(args: CompleteArgs): Promise<Completion> {
  const candidate =
    args.source === "callback" ? (args.attemptId ?? null) : args.preAuthCode ? await findAttemptIdByCode(args.preAuthCode) : null;
  const arrival: Arrival = { source: args.source, candidate };
  const key = hashCode(args.authCode);
  const running = inflight.get(key);
  if (running) {
    // Same code, same process: share that exchange; another arrival then sees what it means for it.
    if (running.arrival.source === arrival.source && running.arrival.candidate === arrival.candidate) return running.promise;
    await running.promise.catch(() => undefined);
    return completeOnce({ ...args, arrival });
  }
  const promise = completeOnce({ ...args, arrival }).finally(() => inflight.delete(key));
  inflight.set(key, { arrival, promise });
  return promise;
}
