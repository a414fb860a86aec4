// The redirect back from WeChat (redirect_uri?auth_code=...&expires_in=...). Forged, replayed or
// expired codes end on an error page and change nothing.
import { db } from "../db";
import { logger } from "../logger";
import { CredentialError } from "../credentials/errors";
import { safeEqual } from "../wechat/crypto";
import { WeChatApiError, WeChatTransportError } from "../wechat/errors";
import { failAttempt } from "./attempts";
import { completeAuthorization, hashCode } from "./complete";

export type CallbackError = "forged" | "missing_code" | "code_rejected" | "code_used" | "unavailable";

export type CallbackOutcome =
  | { ok: true; attemptId: string; authorizerAppid: string }
  | { ok: false; attemptId: string | null; error: CallbackError; errcode?: number };

/** 61009 code invalid (or already used), 61010 code expired. */
const CODE_ERRCODES = new Set([61009, 61010]);

export async function handleAuthorizationCallback(params: URLSearchParams): Promise<CallbackOutcome> {
  const attemptId = params.get("attempt");
  const state = params.get("state");
  const authCode = params.get("auth_code");
  if (!attemptId || !state) return { ok: false, attemptId: null, error: "forged" };
  const attempt = await db().authorizationAttempt.findUnique({ where: { id: attemptId }, select: { id: true, state: true } });
  if (!attempt || !safeEqual(state, attempt.state)) return { ok: false, attemptId: null, error: "forged" };
  if (!authCode) return { ok: false, attemptId, error: "missing_code" };

  try {
    const completion = await completeAuthorization({ authCode, source: "callback", attemptId });
    // Exchanged by this very callback: success. Exchanged by the `authorized` push racing us for
    // this attempt: success too, the first time the browser brings the code back. Any other
    // arrival (the same URL again, or the code under another attempt) is a replay.
    const exchangedHere = completion.completedBy === "callback" && !completion.alreadyCompleted;
    if (!exchangedHere) {
      const sameAttempt = completion.attemptId === null || completion.attemptId === attemptId;
      const first = await db().authorizationCodeUse.updateMany({
        where: { codeHash: hashCode(authCode), callbackAt: null },
        data: { callbackAt: new Date() },
      });
      if (!sameAttempt || first.count === 0) return { ok: false, attemptId, error: "code_used" };
    }
    return { ok: true, attemptId, authorizerAppid: completion.authorizerAppid };
  } catch (error) {
    if (error instanceof WeChatApiError && CODE_ERRCODES.has(error.errcode)) {
      logger.warn({ attemptId, errcode: error.errcode }, "authorization callback with a code WeChat refused");
      // Expired (61010): the merchant did confirm, too late; that pre_auth_code is spent, so pages
      // still watching the attempt show the failure and a retry. A code WeChat never issued (61009)
      // changes nothing: the attempt can still be completed with the real one.
      if (error.errcode === 61010) await failAttempt({ id: attemptId, status: "failed", reason: "code_rejected", errcode: 61010 });
      return { ok: false, attemptId, error: "code_rejected", errcode: error.errcode };
    }
    if (error instanceof WeChatApiError || error instanceof WeChatTransportError || error instanceof CredentialError) {
      logger.error({ err: error, attemptId }, "authorization callback could not reach WeChat");
      return { ok: false, attemptId, error: "unavailable", ...(error instanceof WeChatApiError ? { errcode: error.errcode } : {}) };
    }
    throw error;
  }
}
