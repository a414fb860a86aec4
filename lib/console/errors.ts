// Console errors, and the one place any error thrown by a console server action becomes what the
// browser sees: a stable code (translated on the client), plus WeChat's errcode and class when
// WeChat refused. Anything unrecognised becomes `internal_error` with a reference to the log line:
// SQL, stacks, URLs and tokens never reach the page.
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { ForbiddenError } from "../auth/session";
import type { StaffRole } from "../generated/prisma/enums";
import { logger } from "../logger";
import { ApiKeyNotFoundError } from "../token-centre/api-keys";
import { classifyUpstreamFailure, warnUpstreamFailure, type UpstreamFailure } from "../upstream-errors";
import type { ErrorClass } from "../wechat/errors";

export type ActionErrorCode =
  | "forbidden"
  | "invalid_input"
  | "not_found"
  | "email_taken"
  | "last_admin"
  | "own_account"
  | "wrong_password"
  | "same_password"
  | "throttled"
  | "not_applicable"
  | "no_ticket"
  | "authorizer_revoked"
  | "needs_reauthorization"
  | "unknown_authorizer"
  | "wechat_error"
  | "wechat_unavailable"
  | "internal_error";

export type ActionIssue = { path: string; message: string };

export type ActionError = {
  code: ActionErrorCode;
  /** forbidden: the role the action needs. */
  needed?: StaffRole;
  /** wechat_error: WeChat's errcode and what class of problem it is. */
  errcode?: number;
  errorClass?: ErrorClass;
  /** invalid_input: which fields. */
  issues?: ActionIssue[];
  /** internal_error: the log line to look for. */
  reference?: string;
};

/** A refusal the console itself decides (not found, the last admin, ...): shown as is. */
export class ConsoleError extends Error {
  constructor(
    readonly code: Exclude<ActionErrorCode, "forbidden" | "internal_error">,
    message: string,
  ) {
    super(message);
    this.name = "ConsoleError";
  }
}

export const describeIssues = (error: z.ZodError): ActionIssue[] =>
  error.issues.map((issue) => ({ path: issue.path.join(".") || "(input)", message: issue.message }));

function upstreamActionError(failure: UpstreamFailure): ActionError {
  switch (failure.code) {
    case "wechat_error":
      return { code: "wechat_error", errcode: failure.error.errcode, errorClass: failure.errorClass };
    case "wechat_unavailable":
      return { code: "wechat_unavailable", errorClass: failure.errorClass };
    default:
      return { code: failure.code };
  }
}

export function toActionError(error: unknown): ActionError {
  if (error instanceof ForbiddenError) return { code: "forbidden", needed: error.needed };
  if (error instanceof ConsoleError) return { code: error.code };
  if (error instanceof ApiKeyNotFoundError) return { code: "not_found" };
  const upstream = classifyUpstreamFailure(error);
  if (upstream) {
    warnUpstreamFailure("console", upstream);
    return upstreamActionError(upstream);
  }
  const reference = randomBytes(6).toString("hex");
  logger.error({ err: error, reference }, "console: unexpected error in a server action");
  return { code: "internal_error", reference };
}
