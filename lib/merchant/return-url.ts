// Where a merchant lands when an attempt made with a return_url ends: the provider's own page, told
// the outcome in its query (status authorized | failed | cancelled | expired, attempt_id,
// merchant_ref, authorizer_appid on success, reason otherwise). The return_url's own query and
// fragment are kept; the outcome's names replace any the return_url already used.
import { z } from "zod";
import type { AuthorizationAttempt } from "../generated/prisma/client";
import { lifecycleStatus } from "../authorization/attempts";

export type ReturnStatus = "authorized" | "failed" | "cancelled" | "expired";

export type ReturnOutcome = {
  status: ReturnStatus;
  attemptId: string;
  merchantRef: string | null;
  authorizerAppid?: string | null;
  reason?: string | null;
};

/** The return_url with the outcome added to its query. */
export function buildReturnUrl(returnUrl: string, outcome: ReturnOutcome): string {
  const url = new URL(returnUrl);
  url.searchParams.set("status", outcome.status);
  url.searchParams.set("attempt_id", outcome.attemptId);
  if (outcome.merchantRef) url.searchParams.set("merchant_ref", outcome.merchantRef);
  else url.searchParams.delete("merchant_ref");
  if (outcome.status === "authorized" && outcome.authorizerAppid) url.searchParams.set("authorizer_appid", outcome.authorizerAppid);
  else url.searchParams.delete("authorizer_appid");
  if (outcome.status !== "authorized") url.searchParams.set("reason", outcome.reason ?? outcome.status);
  else url.searchParams.delete("reason");
  return url.toString();
}

const reasonSchema = z.object({ reason: z.string() });

type Ended = Pick<AuthorizationAttempt, "id" | "returnUrl" | "merchantRef" | "authorizerAppid" | "result"> &
  Parameters<typeof lifecycleStatus>[0];

/** Where the merchant goes now: null while the attempt is pending, or when it has no return_url. */
export function returnToFor(attempt: Ended, now = new Date()): string | null {
  if (!attempt.returnUrl) return null;
  const status = lifecycleStatus(attempt, now);
  if (status === "pending") return null;
  const reason = reasonSchema.safeParse(attempt.result);
  return buildReturnUrl(attempt.returnUrl, {
    status: status === "completed" ? "authorized" : status,
    attemptId: attempt.id,
    merchantRef: attempt.merchantRef,
    authorizerAppid: attempt.authorizerAppid,
    reason: status === "expired" ? "expired" : reason.success ? reason.data.reason : null,
  });
}
