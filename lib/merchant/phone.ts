// What the phone page (/m/authorize, what the PC page's QR code encodes) does for one request:
// inside WeChat, forward to WeChat's H5 page with a code that has time left; in a desktop browser,
// send to the PC page (QR code, live status); in another phone browser, explain how to open it in
// WeChat; or show how the attempt ended.
import { openAttempt } from "./attempts";
import { getProblemKey, type ProblemKey } from "./problems";
import type { QueryField, SearchParams } from "./query";
import type { PublicAttempt } from "./types";
import { isMobileBrowser, isWeChatBrowser } from "./user-agent";
import { buildReloadPath, buildResumePath, buildRetryPath, PC_PAGE_PATH, PHONE_PAGE_PATH } from "./urls";

export type PhoneFailure = {
  kind: "failure";
  problem: ProblemKey;
  errcode: number | null;
  retryHref: string | null;
  /** For invalid_query: which parameters are wrong. */
  fields: QueryField[];
  minutes: number | null;
};

export type PhonePage =
  | { kind: "forward"; attempt: PublicAttempt; h5Link: string }
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
  const opened = await openAttempt({ query, clientAddress, purpose: "phone" });
  switch (opened.kind) {
    case "invalid":
      return failure("invalid_query", { fields: opened.fields });
    case "not_found":
      return failure("not_found");
    case "throttled":
      return failure("throttled", { minutes: Math.max(1, Math.ceil(opened.retryAfterSeconds / 60)) });
    case "unavailable":
      return failure("wechat_unavailable", { retryHref: buildReloadPath({ path: PHONE_PAGE_PATH, query }) });
  }
  const { attempt } = opened;
  const resumePath = buildResumePath({ path: PHONE_PAGE_PATH, attemptId: attempt.id });
  if (attempt.status === "completed") return { kind: "success", attempt };
  if (attempt.status === "failed" || attempt.status === "cancelled") {
    return failure(getProblemKey({ problem: attempt.status, failure: attempt.failure }), {
      errcode: attempt.failure?.errcode ?? null,
      retryHref: buildRetryPath({
        path: PHONE_PAGE_PATH,
        authType: attempt.authType,
        bizAppid: attempt.bizAppid,
        permissionSetIds: attempt.requestedPermissionSets.map((set) => set.id),
      }),
    });
  }
  // Expired here means WeChat could not give a new code just now.
  if (attempt.status !== "pending" || !attempt.links) return failure("wechat_unavailable", { retryHref: resumePath });
  if (isWeChatBrowser(userAgent)) return { kind: "forward", attempt, h5Link: attempt.links.h5 };
  if (!isMobileBrowser(userAgent)) return { kind: "redirect", location: buildResumePath({ path: PC_PAGE_PATH, attemptId: attempt.id }) };
  return { kind: "open_in_wechat", attempt, keepPath: resumePath };
}
