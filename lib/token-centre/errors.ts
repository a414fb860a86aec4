// The token centre's errors (/api/v1), mapped to HTTP in this one place. Every answer is JSON
// `{ error, message }` (plus errcode/class for WeChat's own errors, issues for bad input). Anything
// not recognised becomes a 500 whose message holds only a reference to the log line: SQL, stacks,
// upstream URLs and tokens never reach the caller. Input is validated explicitly into ApiError
// (invalid_request); a stray ZodError is therefore our bug (say, a response off its schema): a 500.
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { isDatabaseUnavailable } from "../db/errors";
import { logger } from "../logger";
import { classifyUpstreamFailure, warnUpstreamFailure, type UpstreamFailure } from "../upstream-errors";
import type { ErrorClass } from "../wechat/errors";

export const API_ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  unknown_authorizer: 404,
  not_found: 404,
  needs_reauthorization: 409,
  authorizer_revoked: 410,
  payload_too_large: 413,
  internal_error: 500,
  wechat_error: 502,
  wechat_unavailable: 502,
  no_ticket: 503,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]];

export type ApiIssue = { path: string; message: string };

export type ApiErrorBody = {
  error: ApiErrorCode;
  message: string;
  /** WeChat's errcode, for `wechat_error`. */
  errcode?: number;
  /** What to do about it (classifyErrcode), for `wechat_error` and `wechat_unavailable`. */
  class?: ErrorClass;
  /** Which input fields are wrong, for `invalid_request`. */
  issues?: ApiIssue[];
};

/** An error the API answers as is: the message is written for the caller. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly issues: ApiIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor({
    code,
    message,
    issues,
    headers = {},
  }: {
    code: ApiErrorCode;
    message: string;
    issues?: ApiIssue[];
    headers?: Record<string, string>;
  }) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.issues = issues;
    this.headers = headers;
  }
}

/** Each issue with its field path; `root` names the input itself (a path parameter, the body). */
export const describeZodIssues = (error: z.ZodError, root = "(body)"): ApiIssue[] =>
  error.issues.map((issue) => ({ path: issue.path.join(".") || root, message: issue.message }));

function jsonError({ body, headers = {} }: { body: ApiErrorBody; headers?: Record<string, string> }): Response {
  return Response.json(body, { status: API_ERROR_STATUS[body.error], headers: { "cache-control": "no-store", ...headers } });
}

function upstreamResponse(failure: UpstreamFailure): Response {
  switch (failure.code) {
    case "wechat_error": {
      const { errcode, endpoint, classification } = failure.error;
      return jsonError({
        body: {
          error: "wechat_error",
          message: `WeChat answered errcode ${errcode} (${endpoint}): ${classification.action}`,
          errcode,
          class: failure.errorClass,
        },
      });
    }
    case "wechat_unavailable": {
      const { kind, status, endpoint } = failure.error;
      return jsonError({
        body: {
          error: "wechat_unavailable",
          message: `WeChat gave no usable answer (${kind}${status ? ` ${status}` : ""} on ${endpoint}); retry shortly.`,
          class: failure.errorClass,
        },
      });
    }
    default:
      // 503 + Retry-After: WeChat pushes a ticket every 10 minutes and one was just requested.
      return jsonError({
        body: { error: failure.code, message: failure.error.message },
        headers: failure.code === "no_ticket" ? { "retry-after": "60" } : {},
      });
  }
}

/** The one place an error thrown while serving /api/v1 becomes an HTTP answer. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof ApiError) {
    return jsonError({
      body: { error: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
      headers: error.headers,
    });
  }
  const upstream = classifyUpstreamFailure(error);
  if (upstream) {
    warnUpstreamFailure("token centre", upstream);
    return upstreamResponse(upstream);
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error }, "token centre: database unavailable");
    return jsonError({
      body: { error: "unavailable", message: "The portal's database is unavailable right now; retry shortly." },
      headers: { "retry-after": "5" },
    });
  }
  const reference = randomBytes(6).toString("hex");
  logger.error({ err: error, reference }, "token centre: unexpected error");
  return jsonError({
    body: {
      error: "internal_error",
      message: `Something went wrong on our side. Give this reference to the portal's operators: ${reference}.`,
    },
  });
}
