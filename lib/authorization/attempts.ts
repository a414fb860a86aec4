// Authorization attempts: one merchant's try, with the links built from its pre_auth_code. The code
// (api_create_preauthcode, 10 minutes, a daily quota) is asked for only when the merchant needs one,
// by one caller across instances however many ask at once (a claim on the row, compare-and-set), at
// most ATTEMPT_LIMITS.maxCodes times and not after the deadline; then the attempt is expired. A code
// WeChat hands out again (a restarted sandbox) moves to the attempt that asked last. The attempt's
// id and an anti-forgery state travel in redirect_uri. A link made by staff or the API may carry the
// provider's merchant_ref and a return_url (lib/authorization/merchant-binding.ts); an attempt that
// fails or expires is announced (authorization_link.failed) in the transaction that writes it.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { Prisma, type AuthorizationAttempt } from "../generated/prisma/client";
import { withComponentToken } from "../credentials/component-token";
import { lifetimeTimes } from "../credentials/refresh-policy";
import { wechatApi } from "../upstream";
import { announceLinkFailed } from "./lifecycle-events";
import { merchantRefSchema, returnUrlSchema } from "./merchant-binding";
import { appidSchema, buildH5AuthLink, buildPcAuthLink, buildPluginParams, type AuthType, type PluginAuthParams } from "../wechat/links";

export const attemptInputSchema = z.object({
  authType: z.coerce.number().int().min(1).max(6).default(3),
  bizAppid: appidSchema.optional(),
  permissionSetIds: z.array(z.coerce.number().int().positive()).max(100).default([]),
  /**
   * The provider's id for the merchant: set only by staff links (console) and the API. The public
   * pages build their input from their own query fields (lib/merchant/query.ts), which never
   * include it: anyone can write a page's query, and a merchant must not pick whose account it is.
   */
  merchantRef: merchantRefSchema.optional(),
  /** Where the merchant lands when the attempt ends (origins allowed by RETURN_URL_ORIGINS). */
  returnUrl: returnUrlSchema.optional(),
});
export type AttemptInput = z.input<typeof attemptInputSchema>;

export const ATTEMPT_LIMITS = {
  /** How long an attempt opened from the merchant pages is offered. */
  pageMaxAgeMs: 60 * 60_000,
  /** A link made in the console may be mailed and opened days later. */
  linkMaxAgeMs: 7 * 24 * 60 * 60_000,
  /** pre_auth_codes one attempt may ask WeChat for (a page left open renews about every 10 minutes). */
  maxCodes: 12,
  /** After an attempt closes, a confirmation already under way may still come back (redirect or push). */
  completionGraceMs: 15 * 60_000,
  /** How long one caller's renewal claim holds (WeChat answers within the API client's timeouts). */
  renewalLeaseMs: 30_000,
} as const;

const RENEWAL_POLL_MS = 100;

export type AttemptView = {
  id: string;
  status: AuthorizationAttempt["status"];
  authType: AuthType;
  bizAppid: string | null;
  permissionSetIds: number[];
  expiresAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  authorizerAppid: string | null;
  result: unknown;
  merchantRef: string | null;
  returnUrl: string | null;
  links: { pc: string; h5: string; plugin: PluginAuthParams } | null;
};

export const callbackPath = "/api/wechat/authorize/callback";

const newId = () => randomBytes(16).toString("base64url");

export function redirectUriFor({ id, state }: { id: string; state: string }): string {
  const url = new URL(callbackPath, getEnv().publicBaseUrl);
  url.searchParams.set("attempt", id);
  url.searchParams.set("state", state);
  return url.toString();
}

type Lifecycle = Pick<AuthorizationAttempt, "status" | "deadlineAt" | "expiresAt" | "codesIssued" | "preAuthCode" | "codeIssuedAt">;

/** Until when the attempt is offered (its QR code, its links, new codes). */
export function closesAt(attempt: Lifecycle): Date {
  // Every code it may ask for is spent: offered while the last one lives.
  if (attempt.codesIssued >= ATTEMPT_LIMITS.maxCodes && attempt.expiresAt < attempt.deadlineAt) return attempt.expiresAt;
  return attempt.deadlineAt;
}

/** closesAt as a query: attempts that are still pending and have closed. */
export function closedWhere(now: Date): Prisma.AuthorizationAttemptWhereInput {
  return { OR: [{ deadlineAt: { lte: now } }, { codesIssued: { gte: ATTEMPT_LIMITS.maxCodes }, expiresAt: { lte: now } }] };
}

/** pending, completed, failed, cancelled, or expired: pending past its close, whether or not anyone wrote that down. */
export function lifecycleStatus(attempt: Lifecycle, now = new Date()): AuthorizationAttempt["status"] {
  return attempt.status === "pending" && now >= closesAt(attempt) ? "expired" : attempt.status;
}

/** A pending attempt may still be completed a while after it closed: the admin may have confirmed just before. */
export function canComplete(attempt: Lifecycle, now = new Date()): boolean {
  return attempt.status === "pending" && now.getTime() < closesAt(attempt).getTime() + ATTEMPT_LIMITS.completionGraceMs;
}

export const hasLiveCode = (attempt: Lifecycle, now = new Date()): attempt is Lifecycle & { preAuthCode: string; codeIssuedAt: Date } =>
  attempt.preAuthCode !== null && attempt.codeIssuedAt !== null && attempt.expiresAt > now;

function linksFor(attempt: AuthorizationAttempt, now: Date): AttemptView["links"] {
  if (lifecycleStatus(attempt, now) !== "pending" || !hasLiveCode(attempt, now)) return null;
  const env = getEnv();
  const common = {
    componentAppid: attempt.componentAppid,
    preAuthCode: attempt.preAuthCode!,
    redirectUri: redirectUriFor(attempt),
    authType: attempt.authType as AuthType,
    bizAppid: attempt.bizAppid ?? undefined,
    permissionSetIds: attempt.permissionSetIds,
  };
  return {
    pc: buildPcAuthLink({ mpBase: env.wechat.mpBase, ...common }),
    h5: buildH5AuthLink({ openBase: env.wechat.openBase, ...common }),
    plugin: buildPluginParams(common),
  };
}

/**
 * The attempt as staff see it: pending until it closes (a lapsed pre_auth_code alone does not end
 * it: the next visit asks for a new one), then expired, as the console's filters count it.
 */
export function viewAttempt(attempt: AuthorizationAttempt, now = new Date()): AttemptView {
  const status = lifecycleStatus(attempt, now);
  return {
    id: attempt.id,
    status,
    authType: attempt.authType as AuthType,
    bizAppid: attempt.bizAppid,
    permissionSetIds: attempt.permissionSetIds,
    expiresAt: attempt.expiresAt,
    createdAt: attempt.createdAt,
    completedAt: attempt.completedAt,
    authorizerAppid: attempt.authorizerAppid,
    result: attempt.result,
    merchantRef: attempt.merchantRef,
    returnUrl: attempt.returnUrl,
    links: linksFor(attempt, now),
  };
}

type IssuedCode = { preAuthCode: string; issuedAt: Date; expiresAt: Date };

async function newPreAuthCode(): Promise<IssuedCode> {
  const appid = getEnv().component.appid;
  const issued = await withComponentToken((componentAccessToken) =>
    wechatApi().createPreAuthCode({ componentAccessToken, componentAppid: appid }),
  );
  const issuedAt = new Date();
  return {
    preAuthCode: issued.preAuthCode,
    issuedAt,
    expiresAt: lifetimeTimes({ now: issuedAt, expiresInSeconds: issued.expiresIn }).expiresAt,
  };
}

type Tx = Prisma.TransactionClient;

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

class ClaimLost extends Error {}

/**
 * Gives `code` to the attempt, in the caller's transaction. A code another attempt holds (WeChat, or
 * a sandbox restarted from its seed, issued it again) is WeChat's to give: it moves here, and the
 * other attempt asks for a new one when it needs one. `guard` narrows which row may take it.
 */
async function installCode(
  tx: Tx,
  {
    attemptId,
    code,
    deadlineAt,
    guard,
  }: { attemptId: string; code: IssuedCode; deadlineAt: Date; guard: Prisma.AuthorizationAttemptWhereInput },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO authorization_attempt_codes (pre_auth_code, attempt_id, issued_at, expires_at)
    VALUES (${code.preAuthCode}, ${attemptId}, ${code.issuedAt}, ${code.expiresAt})
    ON CONFLICT (pre_auth_code) DO UPDATE SET attempt_id = EXCLUDED.attempt_id, issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at`;
  const retired = await tx.$queryRaw<{ id: string }[]>`
    UPDATE authorization_attempts
    SET pre_auth_code = NULL, code_issued_at = NULL, expires_at = LEAST(expires_at, deadline_at), updated_at = now()
    WHERE pre_auth_code = ${code.preAuthCode} AND id <> ${attemptId}
    RETURNING id`;
  if (retired.length > 0) {
    logger.warn(
      { attemptId, retiredFrom: retired.map((row) => row.id) },
      "WeChat issued a pre_auth_code another attempt held; it moved to the new attempt",
    );
  }
  const { count } = await tx.authorizationAttempt.updateMany({
    where: { id: attemptId, ...guard },
    data: {
      preAuthCode: code.preAuthCode,
      codeIssuedAt: code.issuedAt,
      expiresAt: code.expiresAt,
      codesIssued: { increment: 1 },
      renewingUntil: null,
      // A code handed out just before the deadline is still offered for its whole life.
      deadlineAt: code.expiresAt > deadlineAt ? code.expiresAt : deadlineAt,
    },
  });
  if (count === 0) throw new ClaimLost();
}

/** installCode in its own transaction; a unique violation (two attempts given one code at the same moment) is retried once. */
async function storeCode(args: Parameters<typeof installCode>[1]): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db().$transaction((tx) => installCode(tx, args));
      return true;
    } catch (error) {
      if (error instanceof ClaimLost) return false;
      if (!isUniqueViolation(error) || attempt > 0) throw error;
    }
  }
}

export async function createAttempt(
  input: AttemptInput,
  {
    createdById,
    link = createdById !== undefined,
    mint = true,
    now = new Date(),
  }: {
    createdById?: string;
    /** A link to send (console, API), offered for ATTEMPT_LIMITS.linkMaxAgeMs; default: made by staff. */
    link?: boolean;
    mint?: boolean;
    now?: Date;
  } = {},
): Promise<AttemptView> {
  const parsed = attemptInputSchema.parse(input);
  const deadlineAt = new Date(now.getTime() + (link ? ATTEMPT_LIMITS.linkMaxAgeMs : ATTEMPT_LIMITS.pageMaxAgeMs));
  // Staff making a link want its raw WeChat links at once; the merchant pages ask for a code later.
  const code = mint ? await newPreAuthCode() : null;
  const id = newId();
  const data = {
    id,
    componentAppid: getEnv().component.appid,
    expiresAt: deadlineAt,
    deadlineAt,
    authType: parsed.authType,
    bizAppid: parsed.bizAppid ?? null,
    permissionSetIds: parsed.permissionSetIds,
    state: randomBytes(16).toString("base64url"),
    createdById: createdById ?? null,
    merchantRef: parsed.merchantRef ?? null,
    returnUrl: parsed.returnUrl ?? null,
  };
  for (let round = 0; ; round++) {
    try {
      const attempt = await db().$transaction(async (tx) => {
        await tx.authorizationAttempt.create({ data });
        if (code) await installCode(tx, { attemptId: id, code, deadlineAt, guard: {} });
        return tx.authorizationAttempt.findUniqueOrThrow({ where: { id } });
      });
      return viewAttempt(attempt, now);
    } catch (error) {
      if (!isUniqueViolation(error) || round > 0) throw error;
    }
  }
}

export class AttemptNotRenewable extends Error {
  constructor(readonly status: string) {
    super(`an attempt that is ${status} cannot be renewed`);
    this.name = "AttemptNotRenewable";
  }
}

export type CodeOutcome =
  | { kind: "ok"; attempt: AuthorizationAttempt; renewed: boolean }
  | { kind: "not_found" }
  /** Not pending, past its deadline, or every code it may ask for is spent. */
  | { kind: "not_renewable"; attempt: AuthorizationAttempt }
  /** WeChat (or our credentials for it) could not give a code now; `error` says why. */
  | { kind: "unavailable"; attempt: AuthorizationAttempt; error: unknown };

const findRow = (id: string) => db().authorizationAttempt.findUnique({ where: { id } });

/** Writes down that `row` (pending, past its close and the grace after it) is expired, and announces it. */
async function writeExpired(tx: Tx, row: AuthorizationAttempt, now: Date): Promise<boolean> {
  const { count } = await tx.authorizationAttempt.updateMany({
    where: { id: row.id, status: "pending", deadlineAt: row.deadlineAt },
    data: { status: "expired", completedAt: now, renewingUntil: null, result: { reason: "expired" } },
  });
  if (count === 0) return false;
  await announceLinkFailed(tx, { attempt: row, status: "expired", reason: "expired", now });
  return true;
}

/** Writes down that a pending attempt is over, once it is past its close and the grace after it. */
async function expireIfAbandoned(row: AuthorizationAttempt, now: Date): Promise<AuthorizationAttempt> {
  if (row.status !== "pending" || canComplete(row, now)) return row;
  await db().$transaction((tx) => writeExpired(tx, row, now));
  return (await findRow(row.id)) ?? row;
}

/**
 * The sweep: attempts nobody looked at again after they closed are written down as expired (and
 * announced), at most `limit` per call. Returns how many were.
 */
export async function expireAbandonedAttempts({ now = new Date(), limit = 100 }: { now?: Date; limit?: number } = {}): Promise<number> {
  const graceAgo = new Date(now.getTime() - ATTEMPT_LIMITS.completionGraceMs);
  const rows = await db().authorizationAttempt.findMany({
    where: { status: "pending", ...closedWhere(graceAgo) },
    orderBy: { deadlineAt: "asc" },
    take: limit,
  });
  let expired = 0;
  for (const row of rows) {
    if (canComplete(row, now)) continue;
    if (await db().$transaction((tx) => writeExpired(tx, row, now))) expired++;
  }
  return expired;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another caller's renewal of this attempt failed or did not finish: asking WeChat again now would not help. */
export class RenewalBusy extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenewalBusy";
  }
}

async function ensureOnce({
  id,
  isDue,
  clock,
}: {
  id: string;
  isDue: (attempt: AuthorizationAttempt, now: Date) => boolean;
  clock: () => Date;
}): Promise<CodeOutcome> {
  let seenCode: string | null | undefined;
  let waitedOn: Date | null = null;
  const giveUpAt = Date.now() + ATTEMPT_LIMITS.renewalLeaseMs + 5_000;
  for (;;) {
    const now = clock();
    const found = await findRow(id);
    if (!found) return { kind: "not_found" };
    const row = await expireIfAbandoned(found, now);
    if (seenCode === undefined) seenCode = row.preAuthCode;
    const renewed = row.preAuthCode !== seenCode;
    if (lifecycleStatus(row, now) !== "pending") return { kind: "not_renewable", attempt: row };
    if (hasLiveCode(row, now) && (renewed || !isDue(row, now))) return { kind: "ok", attempt: row, renewed };
    // The last code it may ask for is still live: better that than none.
    if (row.codesIssued >= ATTEMPT_LIMITS.maxCodes) {
      return hasLiveCode(row, now) ? { kind: "ok", attempt: row, renewed: false } : { kind: "not_renewable", attempt: row };
    }
    if (row.renewingUntil && row.renewingUntil > now) {
      // Someone else is asking WeChat: wait for their code without holding a connection.
      waitedOn = row.renewingUntil;
      if (Date.now() > giveUpAt) return { kind: "unavailable", attempt: row, error: new RenewalBusy("a renewal under way did not finish") };
      await pause(RENEWAL_POLL_MS);
      continue;
    }
    // The renewal we waited for ended without a code: it failed, and asking again now would fail too.
    if (waitedOn) return { kind: "unavailable", attempt: row, error: new RenewalBusy("the renewal under way failed") };

    const lease = new Date(now.getTime() + ATTEMPT_LIMITS.renewalLeaseMs);
    const claimed = await db().authorizationAttempt.updateMany({
      where: {
        id,
        status: "pending",
        preAuthCode: row.preAuthCode,
        codesIssued: row.codesIssued,
        OR: [{ renewingUntil: null }, { renewingUntil: { lte: now } }],
      },
      data: { renewingUntil: lease },
    });
    if (claimed.count === 0) continue; // changed under us: look again

    let code: IssuedCode;
    try {
      code = await newPreAuthCode();
    } catch (error) {
      await db().authorizationAttempt.updateMany({ where: { id, renewingUntil: lease }, data: { renewingUntil: null } });
      return { kind: "unavailable", attempt: (await findRow(id)) ?? row, error };
    }
    const stored = await storeCode({ attemptId: id, code, deadlineAt: row.deadlineAt, guard: { status: "pending", renewingUntil: lease } });
    const current = await findRow(id);
    if (!current) return { kind: "not_found" };
    if (!stored) {
      // Completed or cancelled while WeChat answered (or our claim lapsed): show what happened.
      if (current.status !== "pending") return { kind: "not_renewable", attempt: current };
      continue;
    }
    return { kind: "ok", attempt: current, renewed: true };
  }
}

const inflightRenewals = new Map<string, Promise<CodeOutcome>>();

/**
 * A pre_auth_code the merchant can use now: the current one unless `isDue` says it should be
 * replaced (or there is none). Concurrent callers, here or on other instances, cause one
 * api_create_preauthcode call and all get its code.
 */
export function ensurePreAuthCode({
  id,
  isDue,
  clock = () => new Date(),
}: {
  id: string;
  isDue: (attempt: AuthorizationAttempt, now: Date) => boolean;
  clock?: () => Date;
}): Promise<CodeOutcome> {
  let pending = inflightRenewals.get(id);
  if (!pending) {
    pending = ensureOnce({ id, isDue, clock }).finally(() => inflightRenewals.delete(id));
    inflightRenewals.set(id, pending);
  }
  return pending;
}

/** A new pre_auth_code for the same attempt now (staff, tests): not_renewable and WeChat's errors are thrown. */
export async function renewAttempt(id: string): Promise<AttemptView | null> {
  const outcome = await ensurePreAuthCode({ id, isDue: () => true });
  switch (outcome.kind) {
    case "not_found":
      return null;
    case "not_renewable":
      throw new AttemptNotRenewable(lifecycleStatus(outcome.attempt));
    case "unavailable":
      throw outcome.error;
    case "ok":
      return viewAttempt(outcome.attempt);
  }
}

export async function getAttempt(id: string): Promise<AttemptView | null> {
  const attempt = await findRow(id);
  return attempt ? viewAttempt(attempt) : null;
}

/** The attempt that was given `preAuthCode` (the one an `authorized` push names), if any. */
export async function findAttemptIdByCode(preAuthCode: string): Promise<string | null> {
  const row = await db().authorizationAttemptCode.findUnique({ where: { preAuthCode }, select: { attemptId: true } });
  return row?.attemptId ?? null;
}

/**
 * Records a failure the merchant saw (cancelled, refused code, another account) so the pages can say
 * what happened, and announces it (authorization_link.failed), in `tx` when given, else in its own
 * transaction.
 */
export async function failAttempt(
  {
    id,
    status,
    reason,
    errcode,
    details = {},
  }: {
    id: string;
    status: "failed" | "cancelled";
    reason: string;
    errcode?: number;
    details?: Record<string, string>;
  },
  tx?: Tx,
): Promise<boolean> {
  const write = async (client: Tx) => {
    const now = new Date();
    const ended = await client.authorizationAttempt.updateManyAndReturn({
      where: { id, status: "pending" },
      data: {
        status,
        completedAt: now,
        renewingUntil: null,
        result: { reason, ...(errcode !== undefined ? { errcode } : {}), ...details },
      },
      select: { id: true, componentAppid: true, merchantRef: true },
    });
    const [attempt] = ended;
    if (!attempt) return false;
    await announceLinkFailed(client, { attempt, status, reason, errcode, now });
    return true;
  };
  return tx ? write(tx) : db().$transaction(write);
}
