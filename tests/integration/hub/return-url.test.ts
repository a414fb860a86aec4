// return_url: only origins RETURN_URL_ORIGINS allows; when an attempt made with one ends, the
// callback sends the merchant there with the outcome in the query (keeping the URL's own query), and
// the public attempt view offers the same URL to the pages (returnTo). An attempt still pending (a
// code WeChat never issued) stays on the portal's result page.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => {
  process.env.RETURN_URL_ORIGINS = "https://saas.example.com,http://localhost:4100";
  delete (globalThis as { __portalEnv?: unknown }).__portalEnv;
  return [] as (() => unknown)[];
});
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { ZodError } from "zod";
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { GET as callback } from "@/app/api/wechat/authorize/callback/route";
import { createAttempt } from "@/lib/authorization/attempts";
import { returnUrlSchema } from "@/lib/authorization/merchant-binding";
import { cancelMerchantAttempt, readPublicAttempt } from "@/lib/merchant/attempts";
import { buildReturnUrl } from "@/lib/merchant/return-url";
import { decidePhonePage } from "@/lib/merchant/phone";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";
import { callbackWithCodeOf, newSandboxAccount, type SandboxAccount as Account } from "./link-helpers";

const RETURN_URL = "https://saas.example.com/wechat/done?tenant=9&status=stale#top";

const withOrigins = (value: string | undefined) => {
  if (value === undefined) delete process.env.RETURN_URL_ORIGINS;
  else process.env.RETURN_URL_ORIGINS = value;
  delete (globalThis as { __portalEnv?: unknown }).__portalEnv;
};

describe(`return_url (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;

  const newAccount = () => newSandboxAccount(sandbox);
  const arrive = async (url: URL) => {
    const response = await callback(new Request(url.toString().replace(/^https?:\/\/[^/]+/, "http://localhost:3000")));
    return { status: response.status, location: new URL(response.headers.get("location")!) };
  };

  beforeAll(async () => {
    ({ t, sandbox, portal } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });
  afterEach(() => withOrigins("https://saas.example.com,http://localhost:4100"));

  it("accepts an allowed origin, refuses a foreign one naming the allowed, and says when none are configured", async () => {
    expect(returnUrlSchema.parse(" https://saas.example.com/back?x=1 ")).toBe("https://saas.example.com/back?x=1");
    expect(returnUrlSchema.parse("http://localhost:4100/")).toBe("http://localhost:4100/");
    const foreign = returnUrlSchema.safeParse("https://evil.example.net/back");
    expect(foreign.error?.issues[0]?.message).toBe(
      "return_url's origin https://evil.example.net is not allowed; allowed: https://saas.example.com, http://localhost:4100",
    );
    // Same host, other scheme or port: another origin.
    expect(returnUrlSchema.safeParse("http://saas.example.com/back").success).toBe(false);
    expect(returnUrlSchema.safeParse("https://saas.example.com:8443/back").success).toBe(false);
    expect(returnUrlSchema.safeParse("/relative").error?.issues[0]?.message).toMatch(/absolute URL/);
    expect(returnUrlSchema.safeParse("https://user:pw@saas.example.com/").error?.issues[0]?.message).toMatch(/user name or password/);
    await expect(createAttempt({ authType: 1, returnUrl: "https://evil.example.net/" }, { mint: false })).rejects.toBeInstanceOf(ZodError);

    withOrigins(undefined);
    expect(returnUrlSchema.safeParse("https://saas.example.com/back").error?.issues[0]?.message).toBe(
      "return_url is not accepted: no return_url origins are configured (RETURN_URL_ORIGINS)",
    );
  });

  it("builds the outcome URL keeping the return_url's own query and fragment", () => {
    const success = new URL(
      buildReturnUrl(RETURN_URL, { status: "authorized", attemptId: "att1", merchantRef: "shop 1&2", authorizerAppid: "wxabc" }),
    );
    expect(success.origin + success.pathname).toBe("https://saas.example.com/wechat/done");
    expect(success.hash).toBe("#top");
    expect(Object.fromEntries(success.searchParams)).toEqual({
      tenant: "9",
      status: "authorized",
      attempt_id: "att1",
      merchant_ref: "shop 1&2",
      authorizer_appid: "wxabc",
    });
    const failure = new URL(
      buildReturnUrl(RETURN_URL, { status: "failed", attemptId: "att2", merchantRef: null, reason: "wrong_account" }),
    );
    expect(Object.fromEntries(failure.searchParams)).toEqual({
      tenant: "9",
      status: "failed",
      attempt_id: "att2",
      reason: "wrong_account",
    });
  });

  it("sends the merchant back to return_url with the outcome after the callback completes the attempt", async () => {
    const account = await newAccount();
    const attempt = await createAttempt({ authType: 1, merchantRef: "shop-9", returnUrl: RETURN_URL });
    expect(attempt).toMatchObject({ merchantRef: "shop-9", returnUrl: RETURN_URL });
    expect((await readPublicAttempt(attempt.id))?.returnTo).toBeNull();

    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    // A code WeChat never issued leaves the attempt pending: the portal's result page explains.
    const madeUp = new URL(back);
    madeUp.searchParams.set("auth_code", "queryauthcode@@@made-up");
    const refused = await arrive(madeUp);
    expect(refused.location.pathname).toBe("/authorize/result");
    expect(refused.location.searchParams.get("error")).toBe("code_rejected");

    const done = await arrive(back);
    expect(done.status).toBe(303);
    expect(done.location.origin).toBe("https://saas.example.com");
    expect(done.location.pathname).toBe("/wechat/done");
    expect(Object.fromEntries(done.location.searchParams)).toEqual({
      tenant: "9",
      status: "authorized",
      attempt_id: attempt.id,
      merchant_ref: "shop-9",
      authorizer_appid: account.appid,
    });
    // The pages polling the attempt get the same place to go.
    expect((await readPublicAttempt(attempt.id))?.returnTo).toBe(done.location.toString());
  });

  it("sends the merchant back with status failed and the reason when the link fails; cancelled and expired show in returnTo", async () => {
    const wanted = await newAccount();
    const other = await newAccount();
    const pinned = await createAttempt({ authType: 1, bizAppid: wanted.appid, merchantRef: "shop-f", returnUrl: RETURN_URL });
    const url = await callbackWithCodeOf({ t, sandbox, attemptId: pinned.id, appid: other.appid });
    const failed = await arrive(url);
    expect(failed.location.origin).toBe("https://saas.example.com");
    expect(Object.fromEntries(failed.location.searchParams)).toEqual({
      tenant: "9",
      status: "failed",
      attempt_id: pinned.id,
      merchant_ref: "shop-f",
      reason: "wrong_account",
    });

    const cancelled = await createAttempt({ authType: 1, returnUrl: RETURN_URL }, { mint: false });
    const outcome = await cancelMerchantAttempt(cancelled.id);
    expect(outcome.kind === "ok" && new URL(outcome.attempt.returnTo!).searchParams.toString()).toBe(
      new URLSearchParams({ tenant: "9", status: "cancelled", attempt_id: cancelled.id, reason: "cancelled_by_merchant" }).toString(),
    );

    // The phone page for the ended attempt offers the same way back.
    const phone = await decidePhonePage({
      query: { attempt: cancelled.id },
      userAgent: "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50",
      clientAddress: "10.9.0.1",
    });
    expect(phone).toMatchObject({ kind: "failure", problem: "cancelled", returnTo: outcome.kind === "ok" ? outcome.attempt.returnTo : "" });

    const lapsed = await createAttempt({ authType: 1, returnUrl: RETURN_URL }, { mint: false });
    await t.database.prisma.authorizationAttempt.update({
      where: { id: lapsed.id },
      data: { deadlineAt: new Date(Date.now() - 60_000), expiresAt: new Date(Date.now() - 60_000) },
    });
    const expired = await readPublicAttempt(lapsed.id);
    expect(expired?.status).toBe("expired");
    expect(new URL(expired!.returnTo!).searchParams.get("status")).toBe("expired");
    expect(new URL(expired!.returnTo!).searchParams.get("reason")).toBe("expired");
  });
});
