import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { runCredentialTick, startJobRunner, type JobRunner } from "@/lib/jobs";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import { sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { ensureComponent, listRefreshJobs, NOWHERE, sandboxAppids, seedSandboxAuthorizer, seedTicket } from "./seed";

// WeChat time runs 1800 times faster: a 7200 s authorizer token lives 4 s and is due after 3.4 s.
const CLOCK = 1800;

describe(`refresh ahead of expiry on a fast WeChat clock (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let runner: JobRunner;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE, clock: CLOCK });
    installDatabase(t.database);
    await ensureComponent();
    runner = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false, pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 2000 });
    await sandbox?.close();
    await t?.drop();
  });

  it("queues the refresh for the token's refresh time and runs it then, not earlier", async () => {
    await seedTicket({ sandbox });
    const appid = sandboxAppids(sandbox)[0]!;
    await seedSandboxAuthorizer({ sandbox, appid });
    const before = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    expect(before.accessTokenExpiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(4000);
    const callsBefore = (await sandboxCalls(sandbox, "api_authorizer_token")).length;

    // Due within the next minute: queued now, to start at its refresh time.
    const result = await runCredentialTick({ boss: runner.boss });
    expect(result.refreshes).toMatchObject({ ok: true, value: { due: 1, queued: 1 } });
    const [queued] = await listRefreshJobs(t.database);
    expect(new Date(queued!.start_after).getTime()).toBe(before.accessTokenRefreshAt!.getTime());

    const done = await eventually(async () => (await listRefreshJobs(t.database)).find((job) => job.state === "completed"), {
      timeoutMs: 10_000,
    });
    expect(new Date(done.started_on!).getTime()).toBeGreaterThanOrEqual(before.accessTokenRefreshAt!.getTime());
    expect(done.output).toMatchObject({ outcome: "token", appid, version: before.version + 1 });
    expect((await sandboxCalls(sandbox, "api_authorizer_token")).slice(callsBefore).map((call) => call.errcode)).toEqual([0]);
    const after = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    expect(after.accessTokenExpiresAt!.getTime()).toBeGreaterThan(before.accessTokenExpiresAt!.getTime());
  });
});
