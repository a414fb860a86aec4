// The console's operations against the WeChat sandbox: accounts authorized there appear with their
// names, kinds and permission sets; refresh now, re-sync, options, a targeted re-authorization link
// completed on the "phone", a sync that imports an account the portal never heard of, a revocation
// that shows in the list, and the health view's counts.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { getAttempt } from "@/lib/authorization/attempts";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { loadAuthorizer, loadCredentialHistory, loadTimeline } from "@/lib/console/authorizer-detail";
import { listAuthorizers, parseListQuery } from "@/lib/console/authorizer-list";
import { readAuthorizerOptions, refreshTokenNow, setAuthorizerOption } from "@/lib/console/authorizer-operations";
import { importAuthorizerBatch, resyncAuthorizerInfo } from "@/lib/console/authorizer-sync";
import { loadHealthView } from "@/lib/console/health-view";
import { createLink, planReauthorization } from "@/lib/console/links";
import type { StaffActor } from "@/lib/console/safe-action";
import { permissionSetName } from "@/lib/wechat/permission-sets";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import { type ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxCalls, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; nickName: string; releaseTest: boolean; serviceTypeId: number };

describe(`console operations against the sandbox (${databaseKind})`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let actor: StaffActor;
  const pick = (kind: string, index = 0) => accounts.filter((a) => a.kind === kind && !a.releaseTest)[index]!;
  const list = (params: Record<string, string> = {}) => listAuthorizers(parseListQuery(params));

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
    const staff = await t.database.prisma.staffUser.create({ data: { email: "op@example.com", passwordHash: "x", role: "operator" } });
    actor = { actorType: "staff", actorId: staff.id, ip: "127.0.0.1" };
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("lists accounts authorized in the sandbox with their names, kinds and permission sets by name", async () => {
    const service = accounts.find((a) => a.kind === "official_account" && a.serviceTypeId === 2 && !a.releaseTest)!;
    const mini = pick("mini_program");
    await sandboxControl(sandbox, "authorize", { appid: service.appid, ids: [1, 2, 15] });
    await sandboxControl(sandbox, "authorize", { appid: mini.appid, ids: [17, 18] });
    // The sandbox pushes `authorized` to the event URL; the portal completes each from the push.
    const page = await eventually(async () => {
      await portal.idle();
      const current = await list();
      return current.total === 2 && current;
    });
    expect(page.total).toBe(2);
    const byAppid = new Map(page.rows.map((r) => [r.appid, r]));
    expect(byAppid.get(service.appid)).toMatchObject({
      nickName: service.nickName,
      kind: "service",
      status: "authorized",
      permissionSetIds: [1, 2, 15],
    });
    expect(byAppid.get(mini.appid)).toMatchObject({
      nickName: mini.nickName,
      kind: "mini_program",
      status: "authorized",
      permissionSetIds: [17, 18],
    });
    expect(byAppid.get(mini.appid)!.token.state).toBe("ok");
    expect([17, 18].map((id) => permissionSetName(id, "zh-CN"))).toEqual(["获取小程序码", "小程序开发与数据分析"]);
    // Nothing sealed leaves the list: no token columns at all.
    expect(JSON.stringify(page)).not.toMatch(/Enc|refreshToken|accessToken"/);

    expect((await list({ kind: "mini_program" })).rows.map((r) => r.appid)).toEqual([mini.appid]);
    expect((await list({ set: "15" })).rows.map((r) => r.appid)).toEqual([service.appid]);
    expect((await list({ q: service.nickName.slice(0, 2) })).rows.map((r) => r.appid)).toContain(service.appid);
  });

  it("refreshes a token now, and keeps that in the credential history", async () => {
    const mini = pick("mini_program");
    const before = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: mini.appid } });
    const calls = (await sandboxCalls(sandbox, "api_authorizer_token")).length;
    const result = await refreshTokenNow({ appid: mini.appid, actor });
    expect((await sandboxCalls(sandbox, "api_authorizer_token")).length).toBe(calls + 1);
    const after = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: mini.appid } });
    expect(after.version).toBe(before.version + 1);
    expect(after.accessTokenExpiresAt?.getTime()).toBe(result.expiresAt.getTime());
    const history = await loadCredentialHistory(mini.appid);
    expect(history.map((h) => h.action)).toEqual(["credential.refreshed_by_staff", "authorizer.authorized"]);
    expect(history[0]).toMatchObject({ actorType: "staff", actor: "op@example.com" });
    expect(JSON.stringify(history)).not.toContain(after.accessTokenEnc!);
  });

  it("re-syncs an account's info and permission sets from WeChat", async () => {
    const mini = pick("mini_program");
    await t.database.prisma.authorizerPermissionSet.delete({
      where: { authorizerAppid_funcscopeId: { authorizerAppid: mini.appid, funcscopeId: 18 } },
    });
    await t.database.prisma.authorizer.update({ where: { appid: mini.appid }, data: { nickName: "stale name" } });
    const result = await resyncAuthorizerInfo({ appid: mini.appid, actor });
    expect(result).toEqual({ nickName: mini.nickName, added: [18], removed: [] });
    const detail = await loadAuthorizer(mini.appid);
    expect(detail).toMatchObject({ nickName: mini.nickName, kind: "mini_program" });
    expect(detail!.permissionSets.map((s) => s.id)).toEqual([17, 18]);
    expect(detail!.miniProgramCategories.length).toBeGreaterThan(0);
  });

  it("reads and sets authorizer options, showing the one the account lacks a permission set for", async () => {
    const service = accounts.find((a) => a.kind === "official_account" && a.serviceTypeId === 2 && !a.releaseTest)!;
    const options = await readAuthorizerOptions(service.appid);
    // customer_service needs permission set 6, which this account did not grant.
    expect(options).toEqual([
      { name: "location_report", value: "0", errcode: null },
      { name: "voice_recognize", value: "0", errcode: null },
      { name: "customer_service", value: null, errcode: 61007 },
    ]);
    await setAuthorizerOption({ appid: service.appid, name: "voice_recognize", value: "1", actor });
    expect((await readAuthorizerOptions(service.appid))[1]).toEqual({ name: "voice_recognize", value: "1", errcode: null });
    await expect(readAuthorizerOptions(pick("mini_program").appid)).rejects.toMatchObject({ code: "not_applicable" });
    expect(await t.database.prisma.auditLog.count({ where: { action: "authorizer.option_set", target: service.appid } })).toBe(1);
  });

  it("makes a re-authorization link pinned to the account with the sets it had plus the missing ones", async () => {
    const service = accounts.find((a) => a.kind === "official_account" && a.serviceTypeId === 2 && !a.releaseTest)!;
    const plan = await planReauthorization(service.appid);
    expect(plan).toMatchObject({ authType: 1, granted: [1, 2, 15] });
    expect(plan.missing).toContain(6);
    expect(plan.missing).not.toContain(1);
    const wanted = [...plan.granted, 6];
    const { id } = await createLink({
      input: { authType: plan.authType, bizAppid: service.appid, permissionSetIds: wanted, purpose: "reauthorization" },
      actor,
    });
    const attempt = (await getAttempt(id))!;
    const pc = new URL(attempt.links!.pc);
    expect(pc.searchParams.get("biz_appid")).toBe(service.appid);
    expect(pc.searchParams.get("category_id_list")).toBe("1|2|6|15");
    expect(await t.database.prisma.auditLog.count({ where: { action: "link.reauthorization_created", target: service.appid } })).toBe(1);

    // The merchant's admin confirms on the phone; the updateauthorized push completes it.
    await confirmOnPhone({ h5Link: attempt.links!.h5, appid: service.appid });
    const row = await eventually(async () => {
      await portal.idle();
      const current = await t.database.prisma.authorizer.findUniqueOrThrow({
        where: { appid: service.appid },
        include: { permissionSets: true },
      });
      return current.status === "updated" && current;
    });
    expect(row.permissionSets.map((s) => s.funcscopeId).sort((a, b) => a - b)).toEqual([1, 2, 6, 15]);
    expect((await readAuthorizerOptions(service.appid))[2]).toMatchObject({ name: "customer_service", errcode: null });
  });

  it("imports every authorizer from WeChat's list: unknown ones with a working refresh token, revoked ones authorized again", async () => {
    const newcomer = pick("official_account", 1);
    const mini = pick("mini_program");
    // Authorized in WeChat without the portal hearing of it (no push, no callback).
    await sandboxControl(sandbox, "authorize", { appid: newcomer.appid, push: false });
    // And one the portal wrongly holds as revoked.
    await t.database.prisma.authorizer.update({ where: { appid: mini.appid }, data: { status: "revoked", revokedAt: new Date() } });
    await t.database.prisma.authorizerCredential.update({
      where: { authorizerAppid: mini.appid },
      data: { disabledAt: new Date(), accessTokenEnc: null },
    });

    const first = await importAuthorizerBatch({ offset: 0, count: 2, actor });
    expect(first).toMatchObject({ total: 3, offset: 0, processed: 2, nextOffset: 2, done: false, failed: [] });
    const second = await importAuthorizerBatch({ offset: 2, count: 2, actor });
    expect(second).toMatchObject({ total: 3, processed: 1, done: true, failed: [] });
    const counts = {
      created: first.created + second.created,
      reactivated: first.reactivated + second.reactivated,
      updated: first.updated + second.updated,
    };
    expect(counts).toEqual({ created: 1, reactivated: 1, updated: 1 });

    const imported = (await list({ q: newcomer.appid })).rows[0]!;
    expect(imported).toMatchObject({ nickName: newcomer.nickName, status: "authorized" });
    expect(imported.permissionSetIds.length).toBeGreaterThan(0);
    // The stored refresh token works: the portal can get an access token for it.
    const token = await refreshAuthorizerToken(newcomer.appid);
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect((await list({ q: mini.appid })).rows[0]!.status).toBe("authorized");
    await expect(refreshAuthorizerToken(mini.appid, { force: true })).resolves.toMatchObject({ appid: mini.appid });
    const actions = (
      await t.database.prisma.auditLog.findMany({
        where: { action: { startsWith: "authorizer." }, actorType: "staff" },
        orderBy: { id: "asc" },
      })
    ).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["authorizer.sync_started", "authorizer.imported", "authorizer.reactivated", "authorizer.sync_finished"]),
    );
  });

  it("shows a revocation made in the sandbox, with the push in the account's timeline", async () => {
    const mini = pick("mini_program");
    await sandboxControl(sandbox, "revoke", { appid: mini.appid });
    const revoked = await eventually(async () => {
      await portal.idle();
      const current = await list({ status: "revoked" });
      return current.total > 0 && current;
    });
    expect(revoked.rows.map((r) => r.appid)).toEqual([mini.appid]);
    expect(revoked.rows[0]!.token.state).toBe("disabled");
    const timeline = await loadTimeline(mini.appid);
    expect(timeline[0]).toMatchObject({ kind: "audit", action: "authorizer.revoked", actorType: "wechat" });
    expect(timeline.find((e) => e.kind === "push" && e.infoType === "unauthorized")).toMatchObject({ error: null });
    expect(timeline.find((e) => e.kind === "push" && e.infoType === "authorized")).toBeTruthy();
    await expect(refreshTokenNow({ appid: mini.appid, actor })).rejects.toMatchObject({ code: "authorizer_revoked" });
    expect(await t.database.prisma.auditLog.count({ where: { action: "credential.refresh_by_staff_failed", target: mini.appid } })).toBe(1);
  });

  it("counts pushes per hour and errors by class for the health page", async () => {
    const service = accounts.find((a) => a.kind === "official_account" && a.serviceTypeId === 2 && !a.releaseTest)!;
    await t.database.prisma.authorizerCredential.update({
      where: { authorizerAppid: service.appid },
      data: { lastErrorCode: 45009, lastError: "WeChat ... failed with errcode 45009", lastErrorAt: new Date() },
    });
    const view = await loadHealthView();
    expect(view.report.ticket?.stale).toBe(false);
    expect(view.report.componentToken?.valid).toBe(true);
    const totals = view.hours.reduce((sum, h) => ({ tickets: sum.tickets + h.tickets, events: sum.events + h.events }), {
      tickets: 0,
      events: 0,
    });
    expect(totals.tickets).toBeGreaterThanOrEqual(1);
    // authorized ×2, updateauthorized, unauthorized
    expect(totals.events).toBeGreaterThanOrEqual(4);
    expect(view.errorsByClass.quota).toBe(1);
    expect(view.errorsByCode).toContainEqual({ code: 45009, bucket: "quota", count: 1 });
    expect(view.hours.at(-1)!.errors.quota).toBe(1);
    expect(view.failingCredentials[0]).toMatchObject({ appid: service.appid, code: 45009, bucket: "quota" });
    expect(view.recentPushes.map((p) => p.infoType)).toEqual(
      expect.arrayContaining(["unauthorized", "authorized", "component_verify_ticket"]),
    );
  });
});
