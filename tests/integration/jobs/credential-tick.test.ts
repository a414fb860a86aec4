import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { runCredentialTick, startJobRunner, type JobRunner } from "@/lib/jobs";
import { storePush } from "@/lib/authorization/pushes";
import { parseComponentPush } from "@/lib/wechat/component-push";
import { buildXml } from "@/lib/wechat/xml";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import {
  clearJobs,
  ensureComponent,
  listRefreshJobs,
  NOWHERE,
  removeAuthorizers,
  secondsFromNow,
  seedAuthorizerRow,
  seedTicket,
} from "./seed";

const appid = (n: number) => `wx${n.toString(16).padStart(16, "0")}`;

describe(`credential tick (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let runner: JobRunner;
  const tick = (r: JobRunner = runner) => runCredentialTick({ boss: r.boss });

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE });
    await ensureComponent();
    // No workers: the jobs a tick queues stay where the test can see them.
    runner = await startJobRunner({ database: t.database, connectionString: t.url, work: false });
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 1000 });
    await sandbox?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await clearJobs(t.database);
    await removeAuthorizers();
    await t.database.prisma.receivedPush.deleteMany();
    await seedTicket({ sandbox });
  });

  it("queues one job per due active authorizer, at its refresh time, and none again on a second tick", async () => {
    const overdue = secondsFromNow(-120);
    const dueSoon = secondsFromNow(30);
    await seedAuthorizerRow({ appid: appid(1), refreshAt: overdue });
    await seedAuthorizerRow({ appid: appid(2), refreshAt: dueSoon });
    await seedAuthorizerRow({ appid: appid(3), refreshAt: null }); // no access token at all
    await seedAuthorizerRow({ appid: appid(4), refreshAt: secondsFromNow(600) }); // not due
    await seedAuthorizerRow({ appid: appid(5), refreshAt: overdue, status: "revoked" });
    await seedAuthorizerRow({ appid: appid(6), refreshAt: overdue, status: "needs_reauthorization" });
    await seedAuthorizerRow({ appid: appid(7), refreshAt: overdue, disabled: true });
    await seedAuthorizerRow({ appid: appid(8), refreshAt: overdue, status: "updated" });

    const first = await tick();
    expect(first.refreshes).toEqual({ ok: true, value: { due: 4, queued: 4, alreadyQueued: 0 } });
    const second = await tick();
    expect(second.refreshes).toEqual({ ok: true, value: { due: 4, queued: 0, alreadyQueued: 4 } });

    const jobs = await listRefreshJobs(t.database);
    expect(jobs.map((job) => job.singleton_key)).toEqual([appid(1), appid(2), appid(3), appid(8)]);
    expect(jobs.every((job) => job.state === "created")).toBe(true);
    // Due in 30 s: starts then, not now (an early refresh would find the token not due yet).
    const soon = jobs.find((job) => job.singleton_key === appid(2))!;
    expect(Math.abs(new Date(soon.start_after).getTime() - dueSoon.getTime())).toBeLessThan(1000);
    const late = jobs.find((job) => job.singleton_key === appid(1))!;
    expect(new Date(late.start_after).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("does not queue an authorizer again while its job waits for a retry", async () => {
    await seedAuthorizerRow({ appid: appid(9), refreshAt: secondsFromNow(-5) });
    await tick();
    const [job] = await runner.boss.fetch<{ appid: string }>("refresh-authorizer");
    expect(job?.data.appid).toBe(appid(9));
    await runner.boss.fail("refresh-authorizer", job!.id, { message: "WeChat busy" });
    expect((await listRefreshJobs(t.database)).map((j) => j.state)).toEqual(["retry"]);

    const again = await tick();
    expect(again.refreshes).toEqual({ ok: true, value: { due: 1, queued: 0, alreadyQueued: 1 } });
    expect(await listRefreshJobs(t.database)).toHaveLength(1);
  });

  it("two pg-boss instances ticking at the same time queue each due authorizer exactly once", async () => {
    const second = await startJobRunner({ database: t.database, connectionString: t.url, work: false });
    try {
      const appids = Array.from({ length: 30 }, (_, i) => appid(100 + i));
      for (const [i, id] of appids.entries()) await seedAuthorizerRow({ appid: id, refreshAt: secondsFromNow(i % 2 === 0 ? -30 : 20) });

      const results = await Promise.all([tick(runner), tick(second), tick(runner), tick(second)]);
      const queued = results.map((r) => (r.refreshes.ok ? r.refreshes.value.queued : NaN));
      expect(queued.reduce((a, b) => a + b, 0)).toBe(30);

      const jobs = await listRefreshJobs(t.database);
      expect(jobs.map((job) => job.singleton_key).sort()).toEqual([...appids].sort());

      // Below the tick's own check, the queue itself refuses a second waiting job for one appid.
      const sends = await Promise.all(
        [runner, second, runner, second].map((r) => r.boss.send("refresh-authorizer", { appid: appid(999) }, { singletonKey: appid(999) })),
      );
      expect(sends.filter((id) => id !== null)).toHaveLength(1);
    } finally {
      await second.stop({ timeoutMs: 1000 });
    }
  });

  it("keeps a single minute schedule however many instances start", async () => {
    const second = await startJobRunner({ database: t.database, connectionString: t.url, work: false });
    try {
      const schedules = await second.boss.getSchedules();
      expect(schedules.map((s) => [s.name, s.cron])).toEqual([["credential-tick", "* * * * *"]]);
    } finally {
      await second.stop({ timeoutMs: 1000 });
    }
  });

  it("with a fresh ticket: no push request, and the component token is obtained once, then reused", async () => {
    const pushRequestsBefore = (await sandboxCalls(sandbox, "api_start_push_ticket")).length;
    const tokenCallsBefore = (await sandboxCalls(sandbox, "api_component_token")).length;
    const first = await tick();
    const second = await tick();
    expect(first.ticket).toMatchObject({ ok: true, value: { stale: false, pushRequested: false } });
    expect(first.componentToken.ok && second.componentToken.ok).toBe(true);
    expect(await sandboxCalls(sandbox, "api_start_push_ticket")).toHaveLength(pushRequestsBefore);
    // The seeded ticket may already have bought a token; either way the second tick bought none.
    expect((await sandboxCalls(sandbox, "api_component_token")).length - tokenCallsBefore).toBeLessThanOrEqual(1);
    const row = await t.database.prisma.component.findUniqueOrThrow({ where: { appid: getEnv().component.appid } });
    expect(row.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it("the watchdog asks WeChat for a ticket push when the newest ticket is stale, at most once a minute", async () => {
    await t.database.prisma.component.update({
      where: { appid: getEnv().component.appid },
      data: { verifyTicketReceivedAt: new Date(Date.now() - 25 * 60_000), ticketPushRequestedAt: null },
    });
    const before = (await sandboxCalls(sandbox, "api_start_push_ticket")).length;
    const first = await tick();
    expect(first.ticket).toMatchObject({ ok: true, value: { stale: true, pushRequested: true } });
    expect((await sandboxCalls(sandbox, "api_start_push_ticket")).length).toBe(before + 1);

    const second = await tick();
    expect(second.ticket).toMatchObject({ ok: true, value: { stale: true, pushRequested: false } });
    expect((await sandboxCalls(sandbox, "api_start_push_ticket")).length).toBe(before + 1);
  });

  it("the watchdog asks for a push when no ticket ever arrived", async () => {
    await t.database.prisma.component.update({
      where: { appid: getEnv().component.appid },
      data: {
        verifyTicketEnc: null,
        verifyTicketKeyId: null,
        verifyTicketCreateTime: null,
        verifyTicketReceivedAt: null,
        ticketPushRequestedAt: null,
      },
    });
    const before = (await sandboxCalls(sandbox, "api_start_push_ticket")).length;
    const result = await tick();
    expect(result.ticket).toMatchObject({ ok: true, value: { stale: true, receivedAt: null, pushRequested: true } });
    expect((await sandboxCalls(sandbox, "api_start_push_ticket")).length).toBe(before + 1);
  });

  it("processes a stored push left unprocessed for more than 30 seconds, and leaves a newer one alone", async () => {
    const [left, fresh] = [appid(200), appid(201)];
    for (const id of [left, fresh]) await seedAuthorizerRow({ appid: id, refreshAt: secondsFromNow(3600) });
    // The merchant revoked both; the portal stored each push but has not acted on either yet.
    const store = (authorizerAppid: string) => {
      const xml = buildXml({
        AppId: getEnv().component.appid,
        CreateTime: Math.floor(Date.now() / 1000),
        InfoType: "unauthorized",
        AuthorizerAppid: authorizerAppid,
      });
      return storePush({ push: parseComponentPush(xml), xml });
    };
    const old = await store(left);
    await t.database.prisma.receivedPush.update({ where: { id: old.pushId }, data: { receivedAt: new Date(Date.now() - 60_000) } });
    const recent = await store(fresh);

    const result = await tick();
    expect(result.pushesProcessed).toEqual({ ok: true, value: 1 });
    const rows = await t.database.prisma.receivedPush.findMany({ select: { id: true, processedAt: true } });
    expect(rows.find((row) => row.id === old.pushId)?.processedAt).not.toBeNull();
    expect(rows.find((row) => row.id === recent.pushId)?.processedAt).toBeNull();
    const statuses = await t.database.prisma.authorizer.findMany({
      where: { appid: { in: [left, fresh] } },
      orderBy: { appid: "asc" },
      select: { status: true },
    });
    expect(statuses.map((row) => row.status)).toEqual(["revoked", "authorized"]);
  });
});
