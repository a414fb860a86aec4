// The public attempt API's answers (/api/authorize/attempts/...), mapped to HTTP in one place. JSON
// always, never cached (the status changes under the page), never indexed.
import { attemptIdSchema } from "./query";
import type { CancelOutcome, RenewOutcome } from "./attempts";
import type { PublicAttempt } from "./types";

const HEADERS = { "cache-control": "no-store", "x-robots-tag": "noindex" };

export type AttemptApiError = "not_found" | "not_renewable" | "not_cancellable" | "wechat_unavailable";

const MESSAGES: Record<AttemptApiError, string> = {
  not_found: "No such authorization attempt.",
  not_renewable: "The attempt is no longer pending; its code cannot be renewed.",
  not_cancellable: "The attempt is no longer pending; it cannot be cancelled.",
  wechat_unavailable: "WeChat could not issue a new pre_auth_code right now; try again shortly.",
};

const STATUS: Record<AttemptApiError, number> = { not_found: 404, not_renewable: 409, not_cancellable: 409, wechat_unavailable: 503 };

export const attemptJson = (attempt: PublicAttempt, extra: Record<string, unknown> = {}) =>
  Response.json({ ...attempt, ...extra }, { headers: HEADERS });

/** Errors carry the attempt as it stands when there is one, so the page can show it at once. */
export const attemptError = (error: AttemptApiError, attempt?: PublicAttempt) =>
  Response.json({ error, message: MESSAGES[error], ...(attempt ? { attempt } : {}) }, { status: STATUS[error], headers: HEADERS });

/** The id from the path, or null when it cannot be an attempt id (answered 404 without a lookup). */
export const readAttemptId = (value: string): string | null => (attemptIdSchema.safeParse(value).success ? value : null);

export function renewResponse(outcome: RenewOutcome): Response {
  switch (outcome.kind) {
    case "ok":
      return attemptJson(outcome.attempt, { renewed: outcome.renewed });
    case "not_found":
      return attemptError("not_found");
    case "not_renewable":
      return attemptError("not_renewable", outcome.attempt);
    case "unavailable":
      return attemptError("wechat_unavailable", outcome.attempt);
  }
}

export function cancelResponse(outcome: CancelOutcome): Response {
  switch (outcome.kind) {
    case "ok":
      return attemptJson(outcome.attempt);
    case "not_found":
      return attemptError("not_found");
    case "not_cancellable":
      return attemptError("not_cancellable", outcome.attempt);
  }
}
