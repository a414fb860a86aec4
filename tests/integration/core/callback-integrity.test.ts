// The callback completes only an attempt that can still complete, with the account it names
// (biz_appid), and with a code its own pre_auth_code produced: a code brought back under another
// attempt's redirect_uri, or for another account, completes nothing it should not.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { GET as callbackRoute } from "@/app/api/wechat/authorize/callback/route";
import { createAttempt, getAttempt } from "@/lib/authorization/attempts";
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { hashCode } from "@/lib/authorization/complete";
import { cancelMerchantAttempt, openAttempt } from "@/lib/merchant/attempts";
import { readCallbackResult } from "@/lib/merchant/callback-result";
import { toSearchParams } from "@/lib/merchant/query";
import type { TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxCalls, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };

describe("the callback completes the right attempt, or none (PostgreSQL + sandbox)", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let address = 0;
  const nextAddress = () => `10.6.0.${++address}`;
  const officials = () => accounts.filter((a) => a.kind === "official_account" && !a.releaseTest);
  // Few enough that some are authorized twice (updateauthorized): that changes nothing here.
  const official = (index: number) => officials()[index % officials().length]!;
  const queryAuths = async () => (await sandboxCalls(sandbox, "api_query_auth")).length;
  /** WeChat's pushes are lost on the way: only the callback tells the portal. */
  const dropPushes = () =>
    sandboxControl(sandbox, "faults", {
      faults: [
        { kind: "drop-push", endpoint: "authorized" },
        { kind: "drop-push", endpoint: "updateauthorized" },
      ],
    });

  /** `code` (from another attempt's redirect) brought back under `attemptId`'s redirect_uri. */
  async function bringBack({ attemptId, code }: { attemptId: string; code: string }) {
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attemptId } });
    return handleAuthorizationCallback({
      params: new URLSearchParams({ attempt: attemptId, state: row.state, auth_code: code, expires_in: "3600" }),
      clientAddress: nextAddress(),
    });
  }

  /** An authorization of `account` through an attempt of its own: where WeChat sends the browser back. */
  async function authorizeElsewhere(account: Account) {
    const other = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: other.links!.h5, appid: account.appid });
    return { other, back, code: back.searchParams.get("auth_code")! };
  }

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
    await fetch(new URL("/sandbox/api/faults", sandbox.url), { method: "DELETE" });
  });

  it("refuses a code for a cancelled attempt pinned to one account, without asking WeChat; the code's own attempt still completes", async () => {
    const pinned = await createAttempt({ authType: 1, bizAppid: official(0).appid });
    await cancelMerchantAttempt(pinned.id);
    await dropPushes();
    const { other, back, code } = await authorizeElsewhere(official(1));
    const before = await queryAuths();

    expect(await bringBack({ attemptId: pinned.id, code })).toMatchObject({ ok: false, attemptId: pinned.id, error: "cancelled" });
    expect(await queryAuths()).toBe(before);
    expect(await getAttempt(pinned.id)).toMatchObject({ status: "cancelled", authorizerAppid: null });
    expect(await t.database.prisma.authorizationCodeUse.findUnique({ where: { codeHash: hashCode(code) } })).toBeNull();

    // The merchant who really confirmed brings it back to their own attempt: it completes.
    const own = await handleAuthorizationCallback({ params: back.searchParams, clientAddress: nextAddress() });
    expect(own).toMatchObject({ ok: true, attemptId: other.id, authorizerAppid: official(1).appid });
    expect(await getAttempt(pinned.id)).toMatchObject({ status: "cancelled" });
  });

  it("refuses another account for an attempt pinned by biz_appid: a clear result, recorded, the grant kept for its own attempt", async () => {
    const expected = official(2);
    const pinned = await createAttempt({ authType: 1, bizAppid: expected.appid });
    await dropPushes();
    const intruder = official(3);
    const { other, back, code } = await authorizeElsewhere(intruder);

    const outcome = await bringBack({ attemptId: pinned.id, code });
    expect(outcome).toMatchObject({ ok: false, attemptId: pinned.id, error: "wrong_account" });
    expect(await getAttempt(pinned.id)).toMatchObject({
      status: "failed",
      authorizerAppid: null,
      result: { reason: "wrong_account", authorizerAppid: intruder.appid },
    });
    expect(await t.database.prisma.auditLog.findFirst({ where: { action: "authorization.wrong_account" } })).toMatchObject({
      target: expected.appid,
      details: { attemptId: pinned.id, expected: expected.appid, authorized: intruder.appid },
    });
    expect(await readCallbackResult({ attempt: pinned.id, error: "wrong_account" })).toMatchObject({
      kind: "failure",
      problem: "wrong_account",
    });
    // WeChat spent the code on this exchange: the grant is stored (not lost), on no attempt yet…
    expect(await t.database.prisma.authorizer.findUnique({ where: { appid: intruder.appid } })).toMatchObject({ status: "authorized" });
    expect(await t.database.prisma.authorizationCodeUse.findUnique({ where: { codeHash: hashCode(code) } })).toMatchObject({
      authorizerAppid: intruder.appid,
      attemptId: null,
    });
    // …and its own attempt completes when that browser comes back, without a second exchange.
    const calls = await queryAuths();
    expect(await handleAuthorizationCallback({ params: back.searchParams, clientAddress: nextAddress() })).toMatchObject({
      ok: true,
      attemptId: other.id,
    });
    expect(await queryAuths()).toBe(calls);
    expect(await getAttempt(other.id)).toMatchObject({ status: "completed", authorizerAppid: intruder.appid });
  });

  it("refuses a code whose push named another attempt's pre_auth_code", async () => {
    const victim = await createAttempt({ authType: 1 });
    const { other, code } = await authorizeElsewhere(official(4));
    // The `authorized` push (PreAuthCode: the other attempt's) is processed first.
    await eventually(async () => {
      await portal.idle();
      return (await getAttempt(other.id))?.status === "completed";
    });
    const before = await queryAuths();
    expect(await bringBack({ attemptId: victim.id, code })).toMatchObject({ ok: false, attemptId: null, error: "forged" });
    expect(await queryAuths()).toBe(before);
    expect(await getAttempt(victim.id)).toMatchObject({ status: "pending", authorizerAppid: null });
    expect(await getAttempt(other.id)).toMatchObject({ status: "completed", authorizerAppid: official(4).appid });
  });

  it("records a push that names another attempt than the one the callback completed", async () => {
    await dropPushes();
    const victim = await createAttempt({ authType: 1 });
    const { other, code } = await authorizeElsewhere(official(5));
    // The callback is first (the push was lost on the way): the redirect_uri is all it has to go on.
    expect(await bringBack({ attemptId: victim.id, code })).toMatchObject({ ok: true, attemptId: victim.id });
    await fetch(new URL("/sandbox/api/faults", sandbox.url), { method: "DELETE" });
    const { completeAuthorization } = await import("@/lib/authorization/complete");
    const late = await completeAuthorization({ authCode: code, source: "push", preAuthCode: other.links!.plugin.preAuthCode });
    expect(late).toMatchObject({ attemptId: victim.id, refused: "other_attempt" });
    expect(await t.database.prisma.auditLog.findFirst({ where: { action: "authorization.attempt_mismatch" } })).toMatchObject({
      details: { completedAttemptId: victim.id, pushAttemptId: other.id },
    });
  });

  it("refuses any code for an attempt that was never given a pre_auth_code, without asking WeChat", async () => {
    const opened = await openAttempt({ query: { auth_type: "1" }, clientAddress: nextAddress() });
    if (opened.kind !== "ok") throw new Error(opened.kind);
    await dropPushes();
    const { code } = await authorizeElsewhere(official(6));
    const before = await queryAuths();
    expect(await bringBack({ attemptId: opened.attempt.id, code })).toMatchObject({ ok: false, error: "forged" });
    expect(await queryAuths()).toBe(before);
    expect(await getAttempt(opened.attempt.id)).toMatchObject({ status: "pending" });
  });

  it("the callback route shows the refusal on the result page", async () => {
    const pinned = await createAttempt({ authType: 1, bizAppid: official(7).appid });
    await dropPushes();
    const { code } = await authorizeElsewhere(official(8));
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: pinned.id } });
    const url = new URL("http://localhost:3000/api/wechat/authorize/callback");
    for (const [name, value] of Object.entries({ attempt: pinned.id, state: row.state, auth_code: code, expires_in: "3600" }))
      url.searchParams.set(name, value);
    const response = await callbackRoute(new Request(url));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/authorize/result");
    expect(Object.fromEntries(location.searchParams)).toEqual({ attempt: pinned.id, error: "wrong_account" });
    const view = await readCallbackResult(toSearchParams(location.searchParams));
    expect(view).toMatchObject({
      kind: "failure",
      problem: "wrong_account",
      attempt: { status: "failed", failure: { reason: "wrong_account" } },
    });
  });
});
