// What the result page (/authorize/result, where the callback sends the browser) says. It only
// reads: the query is anyone's to write, so recording a failure belongs to the callback, which
// checks the attempt's state first (lib/authorization/callback.ts).
import type { CallbackError } from "../authorization/callback";
import { readPublicAttempt } from "./attempts";
import { attemptIdSchema, type SearchParams } from "./query";
import type { PublicAttempt } from "./types";

export const CALLBACK_ERRORS = [
  "forged",
  "missing_code",
  "code_rejected",
  "code_used",
  "unavailable",
  "throttled",
  "wrong_account",
  "cancelled",
  "expired",
  "failed",
] as const satisfies readonly CallbackError[];
export type CallbackErrorCode = (typeof CALLBACK_ERRORS)[number];

/** Why a result page shows a failure: the callback's error, or the attempt's own state. */
export type ResultProblem = CallbackErrorCode | "not_found" | "unknown";

export type ResultView =
  | { kind: "success"; attempt: PublicAttempt }
  /** The callback reported no error but the attempt is not marked completed yet. */
  | { kind: "confirming"; attempt: PublicAttempt }
  | { kind: "failure"; problem: ResultProblem; errcode: number | null; attempt: PublicAttempt | null; retryAfterSeconds: number | null };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function readError(value: string | undefined): CallbackErrorCode | "unknown" | null {
  if (!value) return null;
  return (CALLBACK_ERRORS as readonly string[]).includes(value) ? (value as CallbackErrorCode) : "unknown";
}

function readErrcode(value: string | undefined): number | null {
  return value && /^-?\d{1,9}$/.test(value) ? Number(value) : null;
}

const readSeconds = (value: string | undefined): number | null => (value && /^\d{1,6}$/.test(value) ? Number(value) : null);

export async function readCallbackResult(query: SearchParams): Promise<ResultView> {
  const error = readError(first(query.error));
  const errcode = readErrcode(first(query.errcode));
  const id = first(query.attempt);
  const attempt = id && attemptIdSchema.safeParse(id).success ? await readPublicAttempt(id) : null;

  // Whatever the redirect said, an attempt completed (by this callback or by WeChat's push) is a success.
  if (attempt?.status === "completed") return { kind: "success", attempt };
  if (error === null) {
    if (!attempt) return { kind: "failure", problem: "not_found", errcode: null, attempt: null, retryAfterSeconds: null };
    if (attempt.status === "cancelled" || attempt.status === "failed" || attempt.status === "expired") {
      return { kind: "failure", problem: attempt.status, errcode: attempt.failure?.errcode ?? null, attempt, retryAfterSeconds: null };
    }
    return { kind: "confirming", attempt };
  }
  return { kind: "failure", problem: error, errcode, attempt, retryAfterSeconds: readSeconds(first(query.retry_after)) };
}
