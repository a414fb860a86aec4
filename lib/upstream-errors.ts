// What went wrong upstream of every surface, classified once: WeChat refused (an errcode, with its
// class), WeChat gave no usable answer, or our credentials for WeChat cannot be had (no ticket yet,
// revoked, ...). The token centre, the console and the merchant pages each answer it in their own
// format, under the same codes.
import { CredentialError } from "./credentials/errors";
import { logger } from "./logger";
import { WeChatApiError, WeChatTransportError, type ErrorClass } from "./wechat/errors";

export type UpstreamFailure =
  | { code: CredentialError["code"]; error: CredentialError }
  | { code: "wechat_error"; error: WeChatApiError; errorClass: ErrorClass }
  | { code: "wechat_unavailable"; error: WeChatTransportError; errorClass: ErrorClass };

/** The upstream failure `error` is, or null when it is none (a bug, the database, a refusal of ours). */
export function classifyUpstreamFailure(error: unknown): UpstreamFailure | null {
  if (error instanceof CredentialError) return { code: error.code, error };
  if (error instanceof WeChatApiError) return { code: "wechat_error", error, errorClass: error.classification.class };
  if (error instanceof WeChatTransportError) return { code: "wechat_unavailable", error, errorClass: error.errorClass };
  return null;
}

/** Logs WeChat's part under the surface's name; a credential error is answered as is, unlogged. */
export function warnUpstreamFailure(surface: string, failure: UpstreamFailure): void {
  if (failure.code === "wechat_error") {
    const { errcode, endpoint, rid } = failure.error;
    logger.warn({ errcode, endpoint, rid }, `${surface}: WeChat refused a call`);
  } else if (failure.code === "wechat_unavailable") {
    const { kind, endpoint, status } = failure.error;
    logger.warn({ kind, endpoint, status }, `${surface}: WeChat unreachable`);
  }
}
