// What the merchant pages and /api/authorize do with attempts: open one from the page's query
// (resume by id, or create one, throttled: neither asks WeChat for anything), get a pre_auth_code
// when the merchant is about to use one, cancel. Each answers a PublicAttempt or says plainly why not.
import { db } from "../db";
import { logger } from "../logger";
import { classifyUpstreamFailure } from "../upstream-errors";
import { createAttempt, ensurePreAuthCode, failAttempt, RenewalBusy } from "../authorization/attempts";
import { toPublicAttempt, timingOf } from "./public-attempt";
import { parseAuthorizeQuery, type QueryField, type SearchParams } from "./query";
import { createAttemptThrottle } from "./throttle";
import { isRenewalDue } from "./timing";
import type { PublicAttempt } from "./types";

/** The PC page's "stop this attempt" button. */
export const CANCELLED_BY_MERCHANT = "cancelled_by_merchant";
/**
 * The admin came back to the phone page from WeChat's without authorizing and said to stop. WeChat
 * itself tells the component nothing when the admin cancels on its page (no push, no redirect).
 */
export const CANCELLED_ON_PHONE = "cancelled_on_phone";

export type CancelReason = typeof CANCELLED_BY_MERCHANT | typeof CANCELLED_ON_PHONE;

export type OpenedAttempt =
  | { kind: "ok"; attempt: PublicAttempt; created: boolean }
  | { kind: "invalid"; fields: QueryField[] }
  | { kind: "not_found" }
  | { kind: "throttled"; retryAfterSeconds: number };

export type RenewOutcome =
  | { kind: "ok"; attempt: PublicAttempt; renewed: boolean }
  | { kind: "not_found" }
  | { kind: "not_renewable"; attempt: PublicAttempt }
  | { kind: "unavailable"; attempt: PublicAttempt };

export type CancelOutcome =
  { kind: "ok"; attempt: PublicAttempt } | { kind: "not_found" } | { kind: "not_cancellable"; attempt: PublicAttempt };

/**
 * WeChat (or our credentials for it) could not give a pre_auth_code right now. The API client is
 * shared through globalThis (lib/upstream.ts) and may have been created by another server bundle:
 * its errors are branded (lib/brand.ts), so they are recognised whichever copy threw them.
 */
const isUpstreamFailure = (error: unknown) => classifyUpstreamFailure(error) !== null;

// WeChat refusing or timing out is to be expected now and then, not a bug: the message is enough.
const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function findRow(id: string) {
  return db().authorizationAttempt.findUnique({ where: { id } });
}

export async function readPublicAttempt(id: string): Promise<PublicAttempt | null> {
  const row = await findRow(id);
  return row ? toPublicAttempt(row) : null;
}

/**
 * A pre_auth_code the merchant can use now (WeChat's PC page is about to open, or the phone page
 * forwards to WeChat's H5 page): the current one while it has time left, else a new one. Many
 * callers at once, on any instance, cause one call to WeChat.
 */
export async function renewAttemptIfDue({ id, now }: { id: string; now?: Date }): Promise<RenewOutcome> {
  const clock = now ? () => now : () => new Date();
  const outcome = await ensurePreAuthCode({
    id,
    clock,
    isDue: (row, at) => isRenewalDue({ timing: timingOf(row), now: at }),
  });
  switch (outcome.kind) {
    case "not_found":
      return outcome;
    case "ok":
      return { kind: "ok", attempt: await toPublicAttempt(outcome.attempt, clock()), renewed: outcome.renewed };
    case "not_renewable":
      // Completed, cancelled or past its time: the page shows what happened instead.
      return { kind: "not_renewable", attempt: await toPublicAttempt(outcome.attempt, clock()) };
    case "unavailable":
      if (!isUpstreamFailure(outcome.error) && !(outcome.error instanceof RenewalBusy)) throw outcome.error;
      logger.warn({ attemptId: id, reason: describeError(outcome.error) }, "could not get a pre_auth_code for an authorization attempt");
      return { kind: "unavailable", attempt: await toPublicAttempt(outcome.attempt, clock()) };
  }
}

/**
 * The pages' entry: `?attempt=` resumes; otherwise a new attempt from the query, at most
 * ATTEMPT_CREATION_LIMITS per client address. Neither asks WeChat: a bot that fetches the page
 * costs no pre_auth_code.
 */
export async function openAttempt({ query, clientAddress }: { query: SearchParams; clientAddress: string }): Promise<OpenedAttempt> {
  const parsed = parseAuthorizeQuery(query);
  if (parsed.kind === "invalid") return { kind: "invalid", fields: parsed.fields };
  if (parsed.kind === "resume") {
    const attempt = await readPublicAttempt(parsed.attemptId);
    return attempt ? { kind: "ok", attempt, created: false } : { kind: "not_found" };
  }
  const decision = await createAttemptThrottle(db()).take(clientAddress);
  if (!decision.allowed) {
    logger.warn({ clientAddress, retryAfterSeconds: decision.retryAfterSeconds }, "authorization attempts throttled");
    return { kind: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
  }
  const created = await createAttempt(parsed.input, { mint: false });
  const row = await findRow(created.id);
  if (!row) return { kind: "not_found" };
  return { kind: "ok", attempt: await toPublicAttempt(row), created: true };
}

/**
 * The merchant gives up on this attempt (the PC page's stop button, or the phone page after leaving
 * WeChat's page without authorizing): its links stop being offered, and pages watching it say so.
 */
export async function cancelMerchantAttempt(id: string, reason: CancelReason = CANCELLED_BY_MERCHANT): Promise<CancelOutcome> {
  const row = await findRow(id);
  if (!row) return { kind: "not_found" };
  if (row.status !== "pending") return { kind: "not_cancellable", attempt: await toPublicAttempt(row) };
  await failAttempt({ id, status: "cancelled", reason });
  const current = await findRow(id);
  if (!current) return { kind: "not_found" };
  if (current.status !== "cancelled") return { kind: "not_cancellable", attempt: await toPublicAttempt(current) };
  return { kind: "ok", attempt: await toPublicAttempt(current) };
}
