// Pushes lost in a gap are made up for: while the portal does not hear WeChat (the sandbox drops its
// pushes), one account is authorized, one revoked and one has its permission sets changed. Then a
// sign of the gap (a ticket arriving late, the watchdog, a start after downtime, pushes refused while
// the database was down) makes the tick queue one reconciliation across instances, and the portal's
// accounts end up as the sandbox's, each change a reconciliation entry in the account's timeline.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST } from "@/app/api/wechat/component/events/route";
import { openDatabase, installDatabase, type Database } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { readOwedReconciliation } from "@/lib/authorization/push-gaps";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { loadTimeline } from "@/lib/console/authorizer-detail";
import { runCredentialTick, startJobRunner, type JobRunner } from "@/lib/jobs";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import type { ServedRoute } from "../../helpers/routes";
import { sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };
type JobRow = { id: string; state: string; output: unknown };

const MINUTE = 60_000;

describe(`reconciliation after lost pushes (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let runner: JobRunner;
  const pick = (kind: string, index: number) => accounts.filter((a) => a.kind === kind && !a.releaseTest)[index]!.appid;
  const reconcileJobs = (database: Database = t.database) =>
    database.withSession((session) =>
      session.query<JobRow>(
        `SELECT id, state::text AS state, output FROM pgboss.job WHERE name = 'reconcile-authorizers' ORDER BY created_on`,
      ),
    );
  /** As if no ticket had reached any instance for `minutes`. */
  const silenceFor = (minutes: number) =>
    t.database.prisma.component.update({
      where: { appid: getEnv().component.appid },
      data: { verifyTicketReceivedAt: new Date(Date.now() - minutes * MINUTE) },
    });
  const statusOf = async (appid: string) => (await t.database.prisma.authorizer.findUnique({ where: { appid } }))?.status;
  /** The sandbox's authorizations as the portal should hold them: appid → sorted permission-set ids. */
  const sandboxAccounts = () =>
    new Map(
      sandbox.state.data.authorizations
        .filter((a) => a.revokedAt === undefined)
        .map((a) => [a.authorizerAppid, [...a.funcIds].sort((x, y) => x - y).join(",")]),
    );
  const portalAccounts = async () =>
    new Map(
      (
        await t.database.prisma.authorizer.findMany({
          where: { status: { in: ["authorized", "updated"] } },
          include: { permissionSets: true },
        })
      ).map((a) => [
        a.appid,
        a.permissionSets
          .map((s) => s.funcscopeId)
          .sort((x, y) => x - y)
          .join(","),
      ]),
    );
  const reconciledEntries = async (appid: string) =>
    (await loadTimeline(appid)).filter((entry) => entry.kind === "audit" && entry.action === "authorizer.reconciled");

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: POST, queue: afterQueue }));
    runner = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false, pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 2000 });
    await stopPortalStack({ t, sandbox, portal });
  });
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
    await sandboxControl(sandbox, "faults/clear");
    // Each test starts with tickets flowing and nothing owed.
    await eventually(async () => (await reconcileJobs()).every((job) => job.state === "completed") && true);
    await t.database.prisma.component.update({
      where: { appid: getEnv().component.appid },
      data: {
        verifyTicketReceivedAt: new Date(),
        ticketPushRequestedAt: null,
        reconcileRequestedAt: null,
        reconcileReason: null,
        reconciledAt: null,
      },
    });
  });

  it("a ticket arriving after a gap reconciles: authorized, revoked and changed accounts end up as WeChat has them", async () => {
    const [toRevoke, unchanged, newcomer] = [pick("official_account", 0), pick("official_account", 1), pick("official_account", 2)];
    const toChange = pick("mini_program", 0);
    for (const appid of [toRevoke, unchanged, toChange]) await sandboxControl(sandbox, "authorize", { appid, push: true });
    await eventually(async () => {
      await portal.idle();
      return (await portalAccounts()).size === 3;
    });

    // The portal is "down": WeChat's pushes never reach it.
    await sandboxControl(sandbox, "faults", { kind: "drop-push" });
    await sandboxControl(sandbox, "authorize", { appid: newcomer, push: true });
    await sandboxControl(sandbox, "revoke", { appid: toRevoke });
    const changed = await sandboxControl<{ func_ids: number[] }>(sandbox, "set-permission-sets", { appid: toChange, ids: [17] });
    expect(changed.func_ids).toEqual([17]);
    await portal.idle();
    expect(await statusOf(newcomer)).toBeUndefined();
    expect(await statusOf(toRevoke)).toBe("authorized");
    expect(await portalAccounts()).not.toEqual(sandboxAccounts());

    // Back after half an hour: the first ticket since shows the gap.
    await silenceFor(30);
    await sandboxControl(sandbox, "faults/clear");
    expect((await sandbox.pushTicket()).state).toBe("delivered");
    await portal.idle();
    expect(await readOwedReconciliation()).toMatchObject({ reason: "ticket_gap" });

    const tick = await runCredentialTick({ boss: runner.boss });
    expect(tick.reconciliation).toEqual({ ok: true, value: { owed: true, queued: true, reason: "ticket_gap" } });
    const [job] = await eventually(async () => {
      const jobs = await reconcileJobs();
      return jobs.length === 1 && jobs[0]!.state === "completed" && jobs;
    });
    expect(job!.output).toMatchObject({
      reason: "ticket_gap",
      listed: 3,
      unlisted: 1,
      changes: { authorized: 1, reactivated: 0, permission_sets_changed: 1, revoked: 1 },
      failed: [],
    });

    expect(await portalAccounts()).toEqual(sandboxAccounts());
    expect(await statusOf(toRevoke)).toBe("revoked");
    expect(await statusOf(toChange)).toBe("updated");
    for (const [appid, change] of [
      [newcomer, "authorized"],
      [toRevoke, "revoked"],
      [toChange, "permission_sets_changed"],
    ] as const) {
      const entries = await reconciledEntries(appid);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actorType: "system", details: expect.objectContaining({ reason: "ticket_gap", change }) });
    }
    expect(await reconciledEntries(unchanged)).toEqual([]);
    expect(await t.database.prisma.auditLog.count({ where: { action: "authorizer.reconciliation_finished" } })).toBe(1);
    // The revoked account's credential is off; the newcomer's refresh token works.
    expect(
      (await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: toRevoke } })).disabledAt,
    ).not.toBeNull();
    await expect(refreshAuthorizerToken(newcomer)).resolves.toMatchObject({ appid: newcomer });

    // Paid: the next tick queues nothing.
    expect(await readOwedReconciliation()).toBeNull();
    expect((await runCredentialTick({ boss: runner.boss })).reconciliation).toMatchObject({
      ok: true,
      value: { owed: false, queued: false },
    });
    expect(await reconcileJobs()).toHaveLength(1);
  });

  it("the watchdog asks once per silence, and ticks on two instances queue one reconciliation", async () => {
    const second = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false, work: false });
    try {
      const before = (await reconcileJobs()).length;
      // The event URL is broken: the ticket the watchdog asks WeChat for does not arrive either.
      await sandboxControl(sandbox, "faults", { kind: "drop-push", endpoint: "component_verify_ticket" });
      await silenceFor(25);
      const ticks = await Promise.all([runCredentialTick({ boss: runner.boss }), runCredentialTick({ boss: second.boss })]);
      expect(ticks.map((tick) => tick.ticket.ok && tick.ticket.value.stale)).toEqual([true, true]);
      expect(ticks.filter((tick) => tick.ticket.ok && tick.ticket.value.reconciliationRequested)).toHaveLength(1);
      expect(ticks.filter((tick) => tick.reconciliation.ok && tick.reconciliation.value.queued)).toHaveLength(1);
      await eventually(async () => (await reconcileJobs()).slice(before).every((job) => job.state === "completed") && true);
      expect((await reconcileJobs()).length).toBe(before + 1);
      expect(await readOwedReconciliation()).toBeNull();

      // Still silent a minute later: no second request for the same silence.
      const again = await runCredentialTick({ boss: second.boss });
      expect(again.ticket).toMatchObject({ ok: true, value: { stale: true, reconciliationRequested: false } });
      expect(again.reconciliation).toMatchObject({ ok: true, value: { owed: false } });
    } finally {
      await second.stop({ timeoutMs: 1000 });
    }
  });

  it("a process starting after downtime asks for one", async () => {
    // Still no ticket arrives (the one the watchdog asks for would end the silence and ask again).
    await sandboxControl(sandbox, "faults", { kind: "drop-push", endpoint: "component_verify_ticket" });
    await silenceFor(40);
    const starting = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false, work: false });
    await starting.stop({ timeoutMs: 1000 });
    expect(await readOwedReconciliation()).toMatchObject({ reason: "started_after_downtime" });
    // The watchdog, seeing the same silence, does not ask again.
    const tick = await runCredentialTick({ boss: runner.boss });
    expect(tick.ticket).toMatchObject({ ok: true, value: { stale: true, reconciliationRequested: false } });
    expect(tick.reconciliation).toMatchObject({ ok: true, value: { owed: true, queued: true, reason: "started_after_downtime" } });
    await eventually(async () => (await readOwedReconciliation()) === null);
  });

  it("pushes refused while the database was down ask for one once pushes are stored again", async () => {
    const appid = pick("official_account", 3);
    const down = openDatabase({ url: "postgresql://nobody@127.0.0.1:1/nothing" });
    installDatabase(down);
    try {
      await sandboxControl(sandbox, "authorize", { appid, push: true });
      // WeChat's three retries within seconds, every one answered 503: the push is gone.
      const lost = await eventually(() => sandbox.state.deliveries.find((d) => d.infoType === "authorized" && d.state === "failed"));
      expect(lost.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    } finally {
      installDatabase(t.database);
      await down.close();
    }
    expect(await readOwedReconciliation()).toBeNull();
    expect((await sandbox.pushTicket()).state).toBe("delivered");
    await portal.idle();
    expect(await readOwedReconciliation()).toMatchObject({ reason: "push_store_failed" });

    await runCredentialTick({ boss: runner.boss });
    await eventually(async () => (await readOwedReconciliation()) === null);
    expect(await statusOf(appid)).toBe("authorized");
    expect(await reconciledEntries(appid)).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ reason: "push_store_failed", change: "authorized" }) }),
    ]);
    expect(await portalAccounts()).toEqual(sandboxAccounts());
  });
});
