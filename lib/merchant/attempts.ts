// What the merchant pages and /api/authorize do with attempts: open one from the page's query
// (resume by id, or create one, throttled), renew its code when due, cancel it. Each answers a
// PublicAttempt or says plainly why not.
import { db } from "../db";
import { logger } from "../logger";
import { createAttempt, failAttempt, renewAttempt } from "../authorization/attempts";
import { toPublicAttempt, timingOf } from "./public-attempt";
import { parseAuthorizeQuery, type QueryField, type SearchParams } from "./query";
import { createAttemptThrottle } from "./throttle";
import { isRenewalDue, type RenewalPurpose } from "./timing";
import type { PublicAttempt } from "./types";

export const CANCELLED_BY_MERCHANT = "cancelled_by_merchant";

export type OpenedAttempt =
  | { kind: "ok"; attempt: PublicAttempt; created: boolean }
  | { kind: "invalid"; fields: QueryField[] }
  | { kind: "not_found" }
  | { kind: "throttled"; retryAfterSeconds: number }
  | { kind: "unavailable" };

export type RenewOutcome =
  | { kind: "ok"; attempt: PublicAttempt; renewed: boolean }
  | { kind: "not_found" }
  | { kind: "not_renewable"; attempt: PublicAttempt }
  | { kind: "unavailable"; attempt: PublicAttempt };

export type CancelOutcome =
  { kind: "ok"; attempt: PublicAttempt } | { kind: "not_found" } | { kind: "not_cancellable"; attempt: PublicAttempt };

// The names those classes give their instances (a minifier may rename the classes, not these).
const UPSTREAM_ERRORS: ReadonlySet<string> = new Set(["WeChatApiError", "WeChatTransportError", "CredentialError"]);

/**
 * WeChat (or our credentials for it) could not give a pre_auth_code right now. Told by name, not
 * instanceof: the API client is shared through globalThis (lib/upstream.ts) and may have been
 * created by another server bundle, whose copies of these classes are not ours.
 */
const isUpstreamFailure = (error: unknown) => error instanceof Error && UPSTREAM_ERRORS.has(error.name);

// WeChat refusing or timing out is to be expected now and then, not a bug: the message is enough.
const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

const isNotRenewable = (error: unknown) => error instanceof Error && error.name === "AttemptNotRenewable";

async function findRow(id: string) {
  return db().authorizationAttempt.findUnique({ where: { id } });
}

export async function readPublicAttempt(id: string): Promise<PublicAttempt | null> {
  const row = await findRow(id);
  return row ? toPublicAttempt(row) : null;
}

/** A new pre_auth_code when the current one is due for `purpose`; the attempt as it stands otherwise. */
export async function renewAttemptIfDue({
  id,
  purpose,
  now = new Date(),
}: {
  id: string;
  purpose: RenewalPurpose;
  now?: Date;
}): Promise<RenewOutcome> {
  const row = await findRow(id);
  if (!row) return { kind: "not_found" };
  if (row.status !== "pending") return { kind: "not_renewable", attempt: await toPublicAttempt(row, now) };
  if (!isRenewalDue({ timing: timingOf(row), now, purpose }))
    return { kind: "ok", attempt: await toPublicAttempt(row, now), renewed: false };
  try {
    await renewAttempt(id);
  } catch (error) {
    const current = await findRow(id);
    if (!current) return { kind: "not_found" };
    // Completed (or cancelled) while we asked WeChat: the page shows what happened instead.
    if (isNotRenewable(error)) return { kind: "not_renewable", attempt: await toPublicAttempt(current) };
    if (!isUpstreamFailure(error)) throw error;
    logger.warn({ attemptId: id, reason: describeError(error) }, "could not renew an authorization attempt's pre_auth_code");
    return { kind: "unavailable", attempt: await toPublicAttempt(current) };
  }
  const renewed = await findRow(id);
  if (!renewed) return { kind: "not_found" };
  return { kind: "ok", attempt: await toPublicAttempt(renewed), renewed: true };
}

/**
 * The pages' entry: `?attempt=` resumes (renewing a lapsed or, for the phone, short-lived code);
 * otherwise a new attempt from the query, at most ATTEMPT_CREATION_LIMITS per client address.
 */
export async function openAttempt({
  query,
  clientAddress,
  purpose,
}: {
  query: SearchParams;
  clientAddress: string;
  purpose: RenewalPurpose;
}): Promise<OpenedAttempt> {
  const parsed = parseAuthorizeQuery(query);
  if (parsed.kind === "invalid") return { kind: "invalid", fields: parsed.fields };
  if (parsed.kind === "resume") {
    const outcome = await renewAttemptIfDue({ id: parsed.attemptId, purpose });
    if (outcome.kind === "not_found") return { kind: "not_found" };
    // A code that could not be renewed is shown as expired: the page offers to try again.
    return { kind: "ok", attempt: outcome.attempt, created: false };
  }
  const decision = await createAttemptThrottle(db()).take(clientAddress);
  if (!decision.allowed) {
    logger.warn({ clientAddress, retryAfterSeconds: decision.retryAfterSeconds }, "authorization attempts throttled");
    return { kind: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
  }
  try {
    const created = await createAttempt(parsed.input);
    const row = await findRow(created.id);
    if (!row) return { kind: "not_found" };
    return { kind: "ok", attempt: await toPublicAttempt(row), created: true };
  } catch (error) {
    if (!isUpstreamFailure(error)) throw error;
    logger.warn({ reason: describeError(error) }, "could not create an authorization attempt");
    return { kind: "unavailable" };
  }
}

/** The merchant gives up on this attempt (the page's cancel button): its links stop being offered. */
export async function cancelMerchantAttempt(id: string): Promise<CancelOutcome> {
  const row = await findRow(id);
  if (!row) return { kind: "not_found" };
  if (row.status !== "pending") return { kind: "not_cancellable", attempt: await toPublicAttempt(row) };
  await failAttempt({ id, status: "cancelled", reason: CANCELLED_BY_MERCHANT });
  const current = await findRow(id);
  if (!current) return { kind: "not_found" };
  if (current.status !== "cancelled") return { kind: "not_cancellable", attempt: await toPublicAttempt(current) };
  return { kind: "ok", attempt: await toPublicAttempt(current) };
}
