import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { GET as getAttemptRoute } from "@/app/api/authorize/attempts/[id]/route";
import { POST as cancelRoute } from "@/app/api/authorize/attempts/[id]/cancel/route";
import { POST as renewRoute } from "@/app/api/authorize/attempts/[id]/renew/route";
import { POST as stopOnPhone } from "@/app/(mobile)/m/authorize/route";
import { GET as callback } from "@/app/api/wechat/authorize/callback/route";
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { openAttempt, renewAttemptIfDue } from "@/lib/merchant/attempts";
import { readCallbackResult } from "@/lib/merchant/callback-result";
import { ATTEMPT_CREATION_LIMITS } from "@/lib/merchant/throttle";
import { decidePhonePage } from "@/lib/merchant/phone";
import type { PublicAttempt } from "@/lib/merchant/types";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import { type ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxCalls, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; nickName: string; releaseTest: boolean };

const WECHAT_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.47.2560";
const PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

describe(`merchant attempts: pages' entry, public API, callback results, phone page (${databaseKind} + sandbox)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let address = 0;
  /** A fresh client address per attempt, so the creation throttle only bites where a test wants it. */
  const nextAddress = () => `10.1.0.${++address}`;
  const officialAccounts = () => accounts.filter((a) => a.kind === "official_account" && !a.releaseTest);

  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const api = async (response: Promise<Response> | Response) => {
    const answer = await response;
    return {
      status: answer.status,
      body: (await answer.json()) as PublicAttempt & { renewed?: boolean; error?: string; attempt?: PublicAttempt },
    };
  };
  const read = (id: string) => api(getAttemptRoute(new Request(`http://localhost:3000/api/authorize/attempts/${id}`), params(id)));
  const renew = (id: string) =>
    api(renewRoute(new Request(`http://localhost:3000/api/authorize/attempts/${id}/renew`, { method: "POST" }), params(id)));
  const cancel = (id: string) =>
    api(cancelRoute(new Request(`http://localhost:3000/api/authorize/attempts/${id}/cancel`, { method: "POST" }), params(id)));
  const codeOf = (attempt: PublicAttempt) => new URL(attempt.links!.pc).searchParams.get("pre_auth_code");

  async function open(query: Record<string, string>): Promise<PublicAttempt> {
    const opened = await openAttempt({ query, clientAddress: nextAddress() });
    if (opened.kind !== "ok") throw new Error(`could not open an attempt: ${opened.kind}`);
    return opened.attempt;
  }

  /** Opened, and the merchant pressed the button to WeChat's page: the attempt with its links. */
  async function openWithCode(query: Record<string, string>): Promise<PublicAttempt> {
    const opened = await open(query);
    const renewed = await renewAttemptIfDue({ id: opened.id });
    if (renewed.kind !== "ok") throw new Error(`could not get a code: ${renewed.kind}`);
    return renewed.attempt;
  }

  /** The code was issued `ageMs` ago and lapses in `leftMs`. */
  async function age(id: string, { ageMs, leftMs }: { ageMs: number; leftMs: number }) {
    const now = Date.now();
    await t.database.prisma.authorizationAttempt.update({
      where: { id },
      data: { codeIssuedAt: new Date(now - ageMs), expiresAt: new Date(now + leftMs) },
    });
  }

  /** The browser arriving at redirect_uri: where the portal sends it. */
  const arrive = async (url: URL) => {
    const response = await callback(new Request(url.toString().replace(/^https?:\/\/[^/]+/, "http://localhost:3000")));
    return new URL(response.headers.get("location")!);
  };

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("opens an attempt from the query without asking WeChat, and shows it without its secrets; the id resumes it", async () => {
    const calls = (await sandboxCalls(sandbox, "api_create_preauthcode")).length;
    const opened = await open({ auth_type: "2", category_id_list: "17|18" });
    // A bot fetching the page costs no pre_auth_code: there is none until the merchant needs one.
    expect(opened).toMatchObject({ status: "pending", links: null, codeExpiresInMs: null });
    expect(Math.abs(opened.expiresInMs - 60 * 60_000)).toBeLessThan(2_000);
    expect((await sandboxCalls(sandbox, "api_create_preauthcode")).length).toBe(calls);
    const renewed = await renewAttemptIfDue({ id: opened.id });
    expect(renewed).toMatchObject({ kind: "ok", renewed: true });
    const attempt = renewed.kind === "ok" ? renewed.attempt : opened;
    expect((await sandboxCalls(sandbox, "api_create_preauthcode")).length).toBe(calls + 1);
    expect(attempt).toMatchObject({ status: "pending", authType: 2, bizAppid: null, authorizer: null, failure: null });
    expect(attempt.requestedPermissionSets).toEqual([
      { id: 17, name: { "zh-CN": "获取小程序码", en: "Mini program codes" } },
      { id: 18, name: { "zh-CN": "小程序开发与数据分析", en: "Mini program development and analytics" } },
    ]);
    expect(attempt.phoneUrl).toBe(`http://localhost:3000/m/authorize?attempt=${attempt.id}`);
    expect(Math.abs(attempt.codeExpiresInMs! - 600_000)).toBeLessThan(2_000);

    const { status, body } = await read(attempt.id);
    expect(status).toBe(200);
    expect(body.id).toBe(attempt.id);
    expect(codeOf(body)).toBe(codeOf(attempt));
    // The anti-forgery state travels only where it must: inside redirect_uri, which WeChat hands back.
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    expect(Object.keys(body)).not.toContain("state");
    const { links, ...rest } = body;
    expect(JSON.stringify(rest)).not.toContain(row.state);
    expect(new URL(String(new URL(links!.pc).searchParams.get("redirect_uri"))).searchParams.get("state")).toBe(row.state);

    const resumed = await openAttempt({ query: { attempt: attempt.id }, clientAddress: nextAddress() });
    expect(resumed).toMatchObject({ kind: "ok", created: false });
    expect(resumed.kind === "ok" && codeOf(resumed.attempt)).toBe(codeOf(attempt));
  });

  it("refuses a bad query or an unknown id without asking WeChat for anything", async () => {
    const calls = (await sandboxCalls(sandbox, "api_create_preauthcode")).length;
    const rows = await t.database.prisma.authorizationAttempt.count();
    expect(await openAttempt({ query: { auth_type: "7", category_id_list: "1|a" }, clientAddress: nextAddress() })).toEqual({
      kind: "invalid",
      fields: ["category_id_list", "auth_type"],
    });
    expect(await openAttempt({ query: { attempt: "AAAAAAAAAAAAAAAAAAAAAA" }, clientAddress: nextAddress() })).toEqual({
      kind: "not_found",
    });
    expect((await read("AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await read("../etc/passwd")).status).toBe(404);
    expect((await renew("nope")).status).toBe(404);
    expect((await cancel("nope")).status).toBe(404);
    expect((await sandboxCalls(sandbox, "api_create_preauthcode")).length).toBe(calls);
    expect(await t.database.prisma.authorizationAttempt.count()).toBe(rows);
  });

  it("throttles creation per client address, not resumption", async () => {
    const crawler = "203.0.113.9";
    let last: PublicAttempt | undefined;
    for (let i = 0; i < ATTEMPT_CREATION_LIMITS.points; i++) {
      const opened = await openAttempt({ query: {}, clientAddress: crawler });
      expect(opened.kind).toBe("ok");
      if (opened.kind === "ok") last = opened.attempt;
    }
    const calls = (await sandboxCalls(sandbox, "api_create_preauthcode")).length;
    const refused = await openAttempt({ query: {}, clientAddress: crawler });
    expect(refused.kind).toBe("throttled");
    expect(refused.kind === "throttled" && refused.retryAfterSeconds).toBeGreaterThan(500);
    expect((await sandboxCalls(sandbox, "api_create_preauthcode")).length).toBe(calls);
    expect((await openAttempt({ query: { attempt: last!.id }, clientAddress: crawler })).kind).toBe("ok");
    expect((await openAttempt({ query: {}, clientAddress: nextAddress() })).kind).toBe("ok");
  });

  it("renews only when due: gives a first code, keeps a fresh one, replaces one past half-life or lapsed", async () => {
    const attempt = await open({ auth_type: "1" });
    const first = await renew(attempt.id);
    expect(first).toMatchObject({ status: 200, body: { renewed: true, status: "pending" } });
    const fresh = await renew(attempt.id);
    expect(fresh).toMatchObject({ status: 200, body: { renewed: false } });
    expect(codeOf(fresh.body)).toBe(codeOf(first.body));

    // Half-life: the admin needs time to choose an account and confirm on WeChat's page.
    await age(attempt.id, { ageMs: 350_000, leftMs: 250_000 });
    const due = await renew(attempt.id);
    expect(due).toMatchObject({ status: 200, body: { renewed: true, status: "pending" } });
    expect(codeOf(due.body)).not.toBe(codeOf(first.body));
    // The new code's lifetime is measured from its own issue.
    expect(Math.abs(due.body.codeExpiresInMs! - 600_000)).toBeLessThan(2_000);

    await age(attempt.id, { ageMs: 601_000, leftMs: -1_000 });
    const lapsed = await read(attempt.id);
    // A lapsed code is replaced when next needed: the attempt itself is still offered.
    expect(lapsed.body).toMatchObject({ status: "pending", links: null, codeExpiresInMs: null });
    const back = await renew(attempt.id);
    expect(back.body).toMatchObject({ renewed: true, status: "pending" });
    expect(back.body.codeExpiresInMs).toBeGreaterThan(590_000);
  });

  it("cancels: no more links, a second cancel or a renewal is a conflict, and a retry starts afresh", async () => {
    const attempt = await open({ auth_type: "3", category_id_list: "1|17" });
    const cancelled = await cancel(attempt.id);
    expect(cancelled).toMatchObject({
      status: 200,
      body: { status: "cancelled", links: null, failure: { reason: "cancelled_by_merchant", errcode: null } },
    });
    expect(await cancel(attempt.id)).toMatchObject({ status: 409, body: { error: "not_cancellable", attempt: { status: "cancelled" } } });
    expect(await renew(attempt.id)).toMatchObject({ status: 409, body: { error: "not_renewable", attempt: { status: "cancelled" } } });
    const phone = await decidePhonePage({ query: { attempt: attempt.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(phone).toMatchObject({ kind: "failure", problem: "cancelled", retryHref: "/m/authorize?auth_type=3&category_id_list=1%7C17" });
  });

  it("back on the phone page from WeChat's without authorizing: asks first, and its stop button ends the attempt as cancelled on the phone", async () => {
    const attempt = await open({ auth_type: "1" });
    const forward = await decidePhonePage({ query: { attempt: attempt.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(forward).toMatchObject({ kind: "forward", returnedPath: `/m/authorize?attempt=${attempt.id}&returned=1` });
    const returned = await decidePhonePage({
      query: { attempt: attempt.id, returned: "1" },
      userAgent: WECHAT_UA,
      clientAddress: nextAddress(),
    });
    expect(returned).toMatchObject({ kind: "returned", stopPath: `/m/authorize?attempt=${attempt.id}` });
    expect((await read(attempt.id)).body.status).toBe("pending");

    const foreign = await stopOnPhone(
      new Request(`http://portal.test/m/authorize?attempt=${attempt.id}`, { method: "POST", headers: { origin: "https://evil.example" } }),
    );
    expect(foreign.status).toBe(403);
    expect((await read(attempt.id)).body.status).toBe("pending");

    const stopped = await stopOnPhone(new Request(`http://portal.test/m/authorize?attempt=${attempt.id}`, { method: "POST" }));
    expect(stopped.status).toBe(303);
    expect(new URL(stopped.headers.get("location")!).pathname + new URL(stopped.headers.get("location")!).search).toBe(
      `/m/authorize?attempt=${attempt.id}`,
    );
    expect((await read(attempt.id)).body).toMatchObject({ status: "cancelled", failure: { reason: "cancelled_on_phone" } });
    const after = await decidePhonePage({
      query: { attempt: attempt.id, returned: "1" },
      userAgent: WECHAT_UA,
      clientAddress: nextAddress(),
    });
    expect(after).toMatchObject({ kind: "failure", problem: "cancelled_on_phone", retryHref: "/m/authorize?auth_type=1" });
  });

  it("on completion shows the account and exactly the sets the admin granted, fewer than asked", async () => {
    const account = officialAccounts()[0]!;
    const attempt = await openWithCode({ auth_type: "1", category_id_list: "1|2|7" });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid, funcIds: [1, 2] });
    const landing = await arrive(back);
    expect(landing.searchParams.get("error")).toBeNull();
    await portal.idle();

    const { body } = await read(attempt.id);
    expect(body).toMatchObject({
      status: "completed",
      links: null,
      authorizer: { appid: account.appid, nickName: account.nickName, accountType: "official_account" },
      failure: null,
    });
    expect(body.grantedPermissionSets).toEqual([
      { id: 1, name: { "zh-CN": "消息管理", en: "Message management" } },
      { id: 2, name: { "zh-CN": "用户管理", en: "User management" } },
    ]);
    expect(body.requestedPermissionSets.map((set) => set.id)).toEqual([1, 2, 7]);
    expect(body.withheldPermissionSets).toEqual([{ id: 7, name: { "zh-CN": "群发与通知", en: "Mass messages and notifications" } }]);
    expect(JSON.stringify(body)).not.toMatch(/token|refresh/i);
    expect(await readCallbackResult({ attempt: attempt.id })).toMatchObject({ kind: "success" });
    // Reopened (a replayed callback) it is still a success, never a scary error.
    expect(await readCallbackResult({ attempt: attempt.id, error: "code_used" })).toMatchObject({ kind: "success" });
    expect(await decidePhonePage({ query: { attempt: attempt.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() })).toMatchObject({
      kind: "success",
    });
  });

  it("explains a refused code without changing the attempt (anyone can write the result page's query); an unreachable WeChat too", async () => {
    const refused = await open({ auth_type: "1" });
    const view = await readCallbackResult({ attempt: refused.id, error: "code_rejected", errcode: "61010" });
    expect(view).toMatchObject({ kind: "failure", problem: "code_rejected", errcode: 61010, attempt: { status: "pending" } });
    expect((await read(refused.id)).body.status).toBe("pending");

    const unreachable = await open({ auth_type: "1" });
    expect(await readCallbackResult({ attempt: unreachable.id, error: "unavailable", errcode: "-1" })).toMatchObject({
      kind: "failure",
      problem: "unavailable",
    });
    expect((await read(unreachable.id)).body.status).toBe("pending");
    expect(await readCallbackResult({ attempt: unreachable.id })).toMatchObject({ kind: "confirming" });
    expect(await readCallbackResult({ error: "forged" })).toMatchObject({ kind: "failure", problem: "forged", attempt: null });
    expect(await readCallbackResult({ attempt: unreachable.id, error: "<script>" })).toMatchObject({ kind: "failure", problem: "unknown" });
  });

  it("the phone page forwards inside WeChat with a code that has time left, sends desktops to the PC page, explains elsewhere", async () => {
    const attempt = await openWithCode({ auth_type: "2" });
    await age(attempt.id, { ageMs: 400_000, leftMs: 200_000 });
    const forward = await decidePhonePage({ query: { attempt: attempt.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(forward.kind).toBe("forward");
    const h5 = forward.kind === "forward" ? forward.h5Link : "";
    expect(h5).toMatch(/\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&.*#wechat_redirect$/);
    expect(new URL(h5).searchParams.get("pre_auth_code")).not.toBe(codeOf(attempt));

    // Outside WeChat nobody is about to use a code: none is asked for.
    const calls = (await sandboxCalls(sandbox, "api_create_preauthcode")).length;
    await age(attempt.id, { ageMs: 601_000, leftMs: -1_000 });
    expect(await decidePhonePage({ query: { attempt: attempt.id }, userAgent: DESKTOP_UA, clientAddress: nextAddress() })).toEqual({
      kind: "redirect",
      location: `/authorize?attempt=${attempt.id}`,
    });
    expect(await decidePhonePage({ query: { attempt: attempt.id }, userAgent: PHONE_UA, clientAddress: nextAddress() })).toMatchObject({
      kind: "open_in_wechat",
      keepPath: `/m/authorize?attempt=${attempt.id}`,
    });
    expect((await sandboxCalls(sandbox, "api_create_preauthcode")).length).toBe(calls);
    expect(await decidePhonePage({ query: { auth_type: "x" }, userAgent: WECHAT_UA, clientAddress: nextAddress() })).toMatchObject({
      kind: "failure",
      problem: "invalid_query",
      fields: ["auth_type"],
    });
  });

  // A renewal replaces the attempt's pre_auth_code; the `authorized` push carrying the previous one
  // still finds its attempt (every code an attempt was given is kept), and completes it by itself.
  it("completes the attempt when the push carrying a superseded pre_auth_code wins the race", async () => {
    const account = officialAccounts()[1]!;
    const attempt = await openWithCode({ auth_type: "1" });
    const stale = attempt.links!.h5;
    await age(attempt.id, { ageMs: 545_000, leftMs: 55_000 });
    expect(await renewAttemptIfDue({ id: attempt.id })).toMatchObject({ renewed: true });
    const back = await confirmOnPhone({ h5Link: stale, appid: account.appid });
    // The `authorized` push is processed first.
    await eventually(() =>
      t.database.prisma.receivedPush
        .findFirst({
          where: { authorizerAppid: account.appid, infoType: { in: ["authorized", "updateauthorized"] }, processedAt: { not: null } },
        })
        .then((push) => push ?? undefined),
    );
    await portal.idle();
    expect((await read(attempt.id)).body).toMatchObject({ status: "completed", authorizer: { appid: account.appid } });
    expect((await arrive(back)).searchParams.get("error")).toBeNull();
    expect((await read(attempt.id)).body.status).toBe("completed");
  });
});
