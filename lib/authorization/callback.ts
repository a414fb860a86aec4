// The redirect back from WeChat (redirect_uri?auth_code=...&expires_in=...). Forged, replayed or
// expired codes end on an error page and change nothing. A code not seen before is sent to WeChat
// only for an attempt that can still complete, and only so often per attempt and per address.
import { db } from "../db";
import { logger } from "../logger";
import type { AuthorizationAttempt } from "../generated/prisma/client";
import { safeEqual } from "../wechat/crypto";
import { WeChatApiError } from "../wechat/errors";
import { classifyUpstreamFailure } from "../upstream-errors";
import { canComplete, failAttempt } from "./attempts";
import { createCallbackThrottle } from "./callback-throttle";
import { CodeExchangeBusy, completeAuthorization, hashCode, type Completion } from "./complete";

export type CallbackError =
  | "forged"
  | "missing_code"
  | "code_rejected"
  | "code_used"
  | "unavailable"
  | "throttled"
  | "wrong_account"
  | "cancelled"
  | "expired"
  | "failed";

export type CallbackOutcome =
  | { ok: true; attemptId: string; authorizerAppid: string }
  | { ok: false; attemptId: string | null; error: CallbackError; errcode?: number; retryAfterSeconds?: number };

/** 61009 code invalid (or already used), 61010 code expired. */
const CODE_ERRCODES = new Set([61009, 61010]);

/** Why an attempt cannot take a new code, or null when it can. */
function closedReason(attempt: AuthorizationAttempt, now: Date): CallbackError | null {
  if (canComplete(attempt, now)) return null;
  switch (attempt.status) {
    case "completed":
      return "code_used";
    case "cancelled":
    case "failed":
      return attempt.status;
    default:
      return "expired";
  }
}

async function refusedOutcome(attempt: AuthorizationAttempt, completion: Completion): Promise<CallbackOutcome> {
  switch (completion.refused) {
    case "wrong_account":
      return { ok: false, attemptId: attempt.id, error: "wrong_account" };
    case "other_attempt":
    case "no_code_issued":
      // A code from another attempt's pre_auth_code: this link did not produce it.
      return { ok: false, attemptId: null, error: "forged" };
    default: {
      const current = await db().authorizationAttempt.findUnique({ where: { id: attempt.id } });
      return { ok: false, attemptId: attempt.id, error: (current && closedReason(current, new Date())) ?? "code_used" };
    }
  }
}

export async function handleAuthorizationCallback({
  params,
  clientAddress,
  now = new Date(),
}: {
  params: URLSearchParams;
  clientAddress: string;
  now?: Date;
}): Promise<CallbackOutcome> {
  const attemptId = params.get("attempt");
  const state = params.get("state");
  const authCode = params.get("auth_code");
  if (!attemptId || !state) return { ok: false, attemptId: null, error: "forged" };
  const attempt = await db().authorizationAttempt.findUnique({ where: { id: attemptId } });
  if (!attempt || !safeEqual(state, attempt.state)) return { ok: false, attemptId: null, error: "forged" };
  if (!authCode) return { ok: false, attemptId, error: "missing_code" };

  const known = await db().authorizationCodeUse.findUnique({ where: { codeHash: hashCode(authCode) }, select: { codeHash: true } });
  if (!known) {
    // A code we never saw: WeChat is asked only for an attempt that could take it, and not too often.
    const closed = closedReason(attempt, now);
    if (closed) return { ok: false, attemptId, error: closed };
    if (attempt.codesIssued === 0) return { ok: false, attemptId: null, error: "forged" };
    const decision = await createCallbackThrottle(db()).take({ attemptId, clientAddress });
    if (!decision.allowed) {
      logger.warn({ attemptId, clientAddress, retryAfterSeconds: decision.retryAfterSeconds }, "authorization callbacks throttled");
      return { ok: false, attemptId, error: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
    }
  }

  try {
    const completion = await completeAuthorization({ authCode, source: "callback", attemptId });
    if (completion.refused) return refusedOutcome(attempt, completion);
    // Exchanged by this very callback: success. Exchanged by the `authorized` push racing us for
    // this attempt: success too, the first time the browser brings the code back. Any other
    // arrival (the same URL again) is a replay.
    const exchangedHere = completion.completedBy === "callback" && !completion.alreadyCompleted;
    if (!exchangedHere) {
      const first = await db().authorizationCodeUse.updateMany({
        where: { codeHash: hashCode(authCode), callbackAt: null },
        data: { callbackAt: new Date() },
      });
      if (completion.attemptId !== attemptId || first.count === 0) return { ok: false, attemptId, error: "code_used" };
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
    if (classifyUpstreamFailure(error) || error instanceof CodeExchangeBusy) {
      logger.error({ err: error, attemptId }, "authorization callback could not reach WeChat");
      return { ok: false, attemptId, error: "unavailable", ...(error instanceof WeChatApiError ? { errcode: error.errcode } : {}) };
    }
    throw error;
  }
}
