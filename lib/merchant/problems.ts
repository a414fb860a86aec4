// Every way an authorization can end without success, as one key the pages translate into what
// happened and what to do next. Pure and client-safe.
import type { AttemptFailure } from "./types";

export type ProblemKey =
  | "cancelled"
  | "cancelled_on_phone"
  | "code_expired"
  | "code_invalid"
  | "code_used"
  | "forged"
  | "missing_code"
  | "unavailable"
  | "not_found"
  | "expired"
  | "throttled"
  | "invalid_query"
  | "wechat_unavailable"
  | "wrong_account"
  | "unknown";

/** Problems after which starting again with the same request is the way forward. */
export const RETRYABLE: ReadonlySet<ProblemKey> = new Set([
  "cancelled",
  "cancelled_on_phone",
  "code_expired",
  "code_invalid",
  "code_used",
  "missing_code",
  "unavailable",
  "expired",
  "wechat_unavailable",
  "wrong_account",
  "unknown",
]);

const fromReason = (reason: string, errcode: number | null): ProblemKey => {
  switch (reason) {
    case "cancelled_by_merchant":
    case "cancelled":
      return "cancelled";
    case "cancelled_on_phone":
      return "cancelled_on_phone";
    case "code_rejected":
      // 61010: the auth code expired (the admin took too long); 61009 and others: not a code WeChat accepts.
      return errcode === 61010 ? "code_expired" : "code_invalid";
    case "forged":
    case "missing_code":
    case "code_used":
    case "unavailable":
    case "not_found":
    case "expired":
    case "throttled":
    case "invalid_query":
    case "wechat_unavailable":
    case "wrong_account":
      return reason;
    default:
      return "unknown";
  }
};

/** The key for a result page's problem, or for an attempt's recorded failure. */
export function getProblemKey({
  problem,
  errcode = null,
  failure = null,
}: {
  problem: string;
  errcode?: number | null;
  failure?: AttemptFailure | null;
}): ProblemKey {
  if (problem === "failed" && failure) return fromReason(failure.reason, failure.errcode);
  // Stopped on the PC page, or on the phone after leaving WeChat's page: the words differ.
  if (problem === "cancelled") return failure?.reason === "cancelled_on_phone" ? "cancelled_on_phone" : "cancelled";
  return fromReason(problem, errcode);
}
