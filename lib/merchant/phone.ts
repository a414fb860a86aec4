// What the phone page (/m/authorize, what the PC page's QR code encodes) does for one request:
// inside WeChat, forward to WeChat's H5 page with a code that has time left (the only moment it asks
// WeChat for one); in a desktop browser, send to the PC page (QR code, live status); in another phone
// browser, explain how to open it in WeChat; or show how the attempt ended. WeChat tells the component
// nothing when the admin cancels on its page, so the page WeChat's was opened from stays in the
// phone's history marked `returned=1`: coming back to it without having authorized asks the admin
// whether to open WeChat's page again or stop the attempt (which the PC page, polling, then shows).
import { openAttempt, renewAttemptIfDue } from "./attempts";
import { getProblemKey, type ProblemKey } from "./problems";
import type { QueryField, SearchParams } from "./query";
import type { PublicAttempt } from "./types";
import { isMobileBrowser, isWeChatBrowser } from "./user-agent";
import { buildResumePath, buildRetryPath, PC_PAGE_PATH, PHONE_PAGE_PATH } from "./urls";

export type PhoneFailure = {
  kind: "failure";
  problem: ProblemKey;
  errcode: number | null;
  retryHref: string | null;
  /** For invalid_query: which parameters are wrong. */
  fields: QueryField[];
  minutes: number | null;
  /** The provider's page to go back to (an attempt made with a return_url that has ended). */
  returnTo?: string | null;
};

export type PhonePage =
  /** `returnedPath`: what this history entry becomes before WeChat's page opens (the way back). */
  | { kind: "forward"; attempt: PublicAttempt; h5Link: string; returnedPath: string }
  /** Back from WeChat's page, still pending: open it again (`againPath`) or stop (POST `stopPath`). */
  | { kind: "returned"; attempt: PublicAttempt; againPath: string; stopPath: string }
  | { kind: "redirect"; location: string }
  | { kind: "open_in_wechat"; attempt: PublicAttempt; keepPath: string }
  | { kind: "success"; attempt: PublicAttempt }
  | PhoneFailure;

const failure = (problem: ProblemKey, extra: Partial<Omit<PhoneFailure, "kind" | "problem">> = {}): PhoneFailure => ({
  kind: "failure",
  problem,
  errcode: null,
  retryHref: null,
  fields: [],
  minutes: null,
  returnTo: null,
  ...extra,
});

export async function decidePhonePage({
  query,
  userAgent,
  clientAddress,
}: {
  query: SearchParams;
  userAgent: string | null;
  clientAddress: string;
}): Promise<PhonePage> {
  const opened = await openAttempt({ query, clientAddress });
  switch (opened.kind) {
    case "invalid":
      return failure("invalid_query", { fields: opened.fields });
    case "not_found":
      return failure("not_found");
    case "throttled":
      return failure("throttled", { minutes: Math.max(1, Math.ceil(opened.retryAfterSeconds / 60)) });
  }
  const ended = endedPage(opened.attempt);
  if (ended) return ended;
  const { attempt } = opened;
  const resumePath = buildResumePath({ path: PHONE_PAGE_PATH, attemptId: attempt.id });
  if (!isMobileBrowser(userAgent) && !isWeChatBrowser(userAgent)) {
    return { kind: "redirect", location: buildResumePath({ path: PC_PAGE_PATH, attemptId: attempt.id }) };
  }
  if (!isWeChatBrowser(userAgent)) return { kind: "open_in_wechat", attempt, keepPath: resumePath };
  // Back from WeChat's page without an authorization: nothing is asked of WeChat until the admin says.
  if (isReturned(query)) return { kind: "returned", attempt, againPath: resumePath, stopPath: resumePath };
  // Inside WeChat, about to hand over to WeChat's page: now the merchant needs a code.
  const renewed = await renewAttemptIfDue({ id: attempt.id });
  switch (renewed.kind) {
    case "not_found":
      return failure("not_found");
    case "unavailable":
      return failure("wechat_unavailable", { retryHref: resumePath });
    case "not_renewable":
      return endedPage(renewed.attempt) ?? failure("expired", { retryHref: retryPathFor(renewed.attempt) });
    case "ok":
      if (!renewed.attempt.links) return failure("wechat_unavailable", { retryHref: resumePath });
      return { kind: "forward", attempt: renewed.attempt, h5Link: renewed.attempt.links.h5, returnedPath: buildReturnedPath(attempt.id) };
  }
}

/** The query mark of a phone page entry WeChat's page was opened from. */
export const RETURNED_PARAM = "returned";

const isReturned = (query: SearchParams) => {
  const value = query[RETURNED_PARAM];
  return (Array.isArray(value) ? value[0] : value) === "1";
};

export const buildReturnedPath = (attemptId: string) => `${buildResumePath({ path: PHONE_PAGE_PATH, attemptId })}&${RETURNED_PARAM}=1`;

const retryPathFor = (attempt: PublicAttempt) =>
  buildRetryPath({
    path: PHONE_PAGE_PATH,
    authType: attempt.authType,
    bizAppid: attempt.bizAppid,
    permissionSetIds: attempt.requestedPermissionSets.map((set) => set.id),
  });

/** How an attempt that is no longer pending ended, as the phone shows it; null while pending. */
function endedPage(attempt: PublicAttempt): PhonePage | null {
  switch (attempt.status) {
    case "pending":
      return null;
    case "completed":
      return { kind: "success", attempt };
    case "failed":
    case "cancelled":
      return failure(getProblemKey({ problem: attempt.status, failure: attempt.failure }), {
        errcode: attempt.failure?.errcode ?? null,
        retryHref: retryPathFor(attempt),
        returnTo: attempt.returnTo,
      });
    case "expired":
      return failure("expired", { retryHref: retryPathFor(attempt), returnTo: attempt.returnTo });
  }
}
