// The database stops while WeChat (the sandbox) pushes and retries. Every attempt made while it is
// down is answered 5xx (never `success`: that would acknowledge a push nobody stored), and once it
// is back each push is stored and processed exactly once. The database is a PostgreSQL server of
// this file's own in a temporary folder, stopped and started again on the same port. A longer outage,
// past WeChat's retries, loses pushes for good: the portal then reconciles with WeChat's own list.
// (The long version, against the built portal: npm run soak.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST } from "@/app/api/wechat/component/events/route";
import { openDatabase, installDatabase, type Database } from "@/lib/db";
import { ensureEmbeddedServer, type EmbeddedServer } from "@/lib/db/embedded-server";
import { migrate } from "@/lib/db/migrate";
import { readOwedReconciliation } from "@/lib/authorization/push-gaps";
import { runCredentialTick, startJobRunner, type JobRunner } from "@/lib/jobs";
import { changePermissionSets, grantAuthorization, revokeAuthorization } from "@/sandbox/authorization/manage";
import { listPermissionSets } from "@/sandbox/state/permission-sets";
import type { Delivery } from "@/sandbox/state/types";
import { auditPushes, STORED_PUSHES_SQL, type Outage, type StoredPush } from "@/bench/soak/push-ledger";
import { accountsEqual, compareAccounts, PORTAL_ACCOUNTS_SQL, portalAccounts, sandboxAccounts } from "@/bench/soak/accounts";
import { serveRoute, type ServedRoute } from "../../helpers/routes";
import { startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { eventually } from "../../helpers/eventually";
import { sandboxAppids } from "../jobs/seed";

describe("database outage while WeChat pushes and retries (a PostgreSQL server of its own + sandbox over HTTP)", () => {
  let folder: string;
  let server: EmbeddedServer;
  let database: Database;
  let portal: ServedRoute;
  let sandbox: TestSandbox;
  let runner: JobRunner | undefined;

  const storedPushes = () => database.withSession((session) => session.query<StoredPush>(STORED_PUSHES_SQL));
  /** The portal's active accounts and permission sets against the sandbox's. */
  const accountDiff = async () =>
    compareAccounts({
      sandbox: sandboxAccounts(sandbox.state),
      portal: portalAccounts(
        await database.withSession((session) => session.query<{ appid: string; sets: number[] }>(PORTAL_ACCOUNTS_SQL)),
      ),
    });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "portal-outage-"));
    server = await ensureEmbeddedServer(join(folder, "postgres"));
    // A short connect timeout: while the server is down every request fails fast.
    database = openDatabase({ url: server.url, max: 5, connectTimeoutMs: 1000 });
    await migrate(database);
    installDatabase(database);
    portal = await serveRoute({ handler: POST, queue: afterQueue });
    // More retries than WeChat's 3, so the test decides when the outage ends, not the retry budget.
    sandbox = await startTestSandbox({
      eventUrl: `${portal.url}/api/wechat/component/events`,
      rotateRefreshEvery: 0,
      pushRetries: 40,
      pushRetryDelayMs: 100,
      pushTimeoutMs: 5000,
    });
    expect((await sandbox.pushTicket()).state).toBe("delivered");
    await portal.idle();
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 2000 });
    await sandbox?.close();
    await portal?.close();
    await database?.close();
    await server?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("answers 5xx while the database is down, then stores and processes each push exactly once", async () => {
    const appids = sandboxAppids(sandbox).slice(0, 3);
    const stoppedAt = Date.now();
    await server.stop();
    const outage: Outage = { from: stoppedAt, to: Number.POSITIVE_INFINITY };

    // WeChat keeps pushing: a ticket and three authorizations, each retried while nobody can store it.
    const pending: Promise<Delivery>[] = [sandbox.pushTicket()];
    for (const appid of appids) {
      const account = sandbox.state.findAccount(appid)!;
      const funcIds = listPermissionSets(account.kind).map((set) => set.id);
      pending.push(grantAuthorization(sandbox.context, { appid, funcIds, source: "control" }).delivery!);
    }
    const deliveries = () => sandbox.state.deliveries.slice(-pending.length);
    await eventually(() => deliveries().every((delivery) => delivery.attempts.length >= 3), { timeoutMs: 20_000 });

    outage.to = Date.now();
    server = await ensureEmbeddedServer(server.dataDir, { port: server.port });
    const done = await Promise.all(pending);
    await portal.idle();

    expect(done.map((delivery) => delivery.state)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
    for (const delivery of done) {
      // Every attempt but the last one was refused with a 5xx; only the last was acknowledged.
      expect(delivery.attempts.slice(0, -1).map((attempt) => attempt.status)).toEqual(delivery.attempts.slice(0, -1).map(() => 503));
      expect(delivery.attempts.at(-1)).toMatchObject({ ok: true, status: 200 });
    }
    const audit = auditPushes({ deliveries: done, stored: await storedPushes(), outages: [outage] });
    expect(audit).toMatchObject({ deliveries: 4, acknowledged: 4, gaveUp: 0, acknowledgedDuringOutage: 0, lost: [], processingRetried: 0 });
    expect(audit.answered5xxDuringOutage).toBe(audit.attemptsDuringOutage);
    expect(audit.attemptsDuringOutage).toBeGreaterThanOrEqual(12);

    // Processed once: one authorizer per account, each with its credentials.
    const authorizers = await database.prisma.authorizer.findMany({ where: { appid: { in: appids } }, include: { credential: true } });
    expect(authorizers.map((authorizer) => authorizer.status).sort()).toEqual(["authorized", "authorized", "authorized"]);
    expect(authorizers.every((authorizer) => authorizer.credential?.refreshTokenEnc)).toBe(true);
    const rows = await storedPushes();
    expect(rows.filter((row) => row.infoType === "authorized").map((row) => [row.processed, row.attempts])).toEqual([
      [true, 1],
      [true, 1],
      [true, 1],
    ]);
  });

  it("a longer outage loses pushes for good; afterwards the portal reconciles and holds the accounts WeChat holds", async () => {
    const [, toRevoke, toNarrow] = [...sandboxAccounts(sandbox.state).keys()] as [string, string, string];
    const newcomer = sandboxAppids(sandbox)[3]!;
    await server.stop();

    // While it is down the merchants act; WeChat retries each push and gives up.
    const account = sandbox.state.findAccount(newcomer)!;
    const lost = [
      grantAuthorization(sandbox.context, {
        appid: newcomer,
        funcIds: listPermissionSets(account.kind).map((set) => set.id),
        source: "control",
      }).delivery!,
      revokeAuthorization(sandbox.context, toRevoke).delivery,
      changePermissionSets(sandbox.context, { appid: toNarrow, funcIds: sandbox.state.findAuthorization(toNarrow)!.funcIds.slice(0, 1) })
        .delivery!,
    ];
    const gone = await Promise.all(lost);
    expect(gone.map((delivery) => delivery.state)).toEqual(["failed", "failed", "failed"]);
    expect(gone.every((delivery) => delivery.attempts.every((attempt) => attempt.status === 503))).toBe(true);

    server = await ensureEmbeddedServer(server.dataDir, { port: server.port });
    expect(accountsEqual(await accountDiff())).toBe(false);
    // WeChat's next ticket is stored: the portal knows it refused pushes, and owes a reconciliation.
    expect((await sandbox.pushTicket()).state).toBe("delivered");
    await portal.idle();
    expect(await readOwedReconciliation()).toMatchObject({ reason: "push_store_failed" });

    runner = await startJobRunner({ database, connectionString: server.url, schedule: false, pollingIntervalSeconds: 0.5 });
    await runCredentialTick({ boss: runner.boss });
    await eventually(async () => (await readOwedReconciliation()) === null, { timeoutMs: 30_000 });
    const diff = await accountDiff();
    expect(diff).toMatchObject({ missing: [], extra: [], differentSets: [] });
    expect(diff.portal).toBe(3);
  });
});
