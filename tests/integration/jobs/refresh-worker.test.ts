import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { getAuthorizerAccessToken } from "@/lib/credentials/authorizer-token";
import { runCredentialTick, startJobRunner, type JobRunner } from "@/lib/jobs";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import { sandboxCalls, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import {
  clearJobs,
  ensureComponent,
  listRefreshJobs,
  NOWHERE,
  removeAuthorizers,
  sandboxAppids,
  secondsFromNow,
  seedSandboxAuthorizer,
  seedTicket,
  type JobRow,
} from "./seed";

describe(`refresh-authorizer worker (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let runner: JobRunner;
  let appids: string[];

  const refreshCalls = () => sandboxCalls(sandbox, "api_authorizer_token");
  const settledJob = (appid: string, state = "completed") =>
    eventually(async () => (await listRefreshJobs(t.database)).find((job) => job.singleton_key === appid && job.state === state), {
      timeoutMs: 15_000,
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE });
    await ensureComponent();
    appids = sandboxAppids(sandbox);
    runner = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false, pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 2000 });
    await sandbox?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await clearJobs(t.database);
    await removeAuthorizers();
    await seedTicket({ sandbox });
  });

  it("refreshes a due token through WeChat's api_authorizer_token", async () => {
    const appid = appids[0]!;
    await seedSandboxAuthorizer({ sandbox, appid, refreshAt: secondsFromNow(-60) });
    const before = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    const callsBefore = (await refreshCalls()).length;

    const result = await runCredentialTick({ boss: runner.boss });
    expect(result.refreshes).toMatchObject({ ok: true, value: { queued: 1 } });
    const job = await settledJob(appid);

    const calls = (await refreshCalls()).slice(callsBefore);
    expect(calls).toEqual([expect.objectContaining({ endpoint: "api_authorizer_token", errcode: 0, authorizerAppid: appid })]);
    expect(job.output).toMatchObject({ outcome: "token", appid, version: before.version + 1 });
    const after = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    expect(after.version).toBe(before.version + 1);
    expect(after.accessTokenEnc).not.toBe(before.accessTokenEnc);
    expect(after.accessTokenRefreshAt!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
    // The new token is the one WeChat now accepts for this account.
    const token = await getAuthorizerAccessToken(appid);
    const option = await fetch(`${sandbox.url}/cgi-bin/component/get_authorizer_option?access_token=${token.token}`, {
      method: "POST",
      body: JSON.stringify({ option_name: "voice_recognize" }),
    });
    expect(await option.json()).toMatchObject({ option_name: "voice_recognize" });

    // Not due any more: the next tick queues nothing.
    const next = await runCredentialTick({ boss: runner.boss });
    expect(next.refreshes).toEqual({ ok: true, value: { due: 0, queued: 0, alreadyQueued: 0 } });
  });

  it("completes without retrying when the authorizer revoked (a CredentialError is final)", async () => {
    const appid = appids[1]!;
    await seedSandboxAuthorizer({ sandbox, appid, refreshAt: secondsFromNow(-60) });
    // The merchant revokes at WeChat; the unauthorized push goes nowhere, so only the refresh learns it.
    await sandboxControl(sandbox, "revoke", { appid });
    const callsBefore = (await refreshCalls()).length;

    await runCredentialTick({ boss: runner.boss });
    const job = await settledJob(appid);

    expect(job.output).toEqual({ outcome: "final", appid, code: "authorizer_revoked" });
    expect(job.retry_count).toBe(0);
    expect((await refreshCalls()).slice(callsBefore).map((call) => call.errcode)).toEqual([61003]);
    const authorizer = await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid }, include: { credential: true } });
    expect(authorizer.status).toBe("revoked");
    expect(authorizer.credential?.disabledAt).not.toBeNull();
    // Revoked authorizers are not the background refresh's business any more.
    const next = await runCredentialTick({ boss: runner.boss });
    expect(next.refreshes).toEqual({ ok: true, value: { due: 0, queued: 0, alreadyQueued: 0 } });
    expect((await refreshCalls()).length).toBe(callsBefore + 1);
  });

  it("retries a transport failure with backoff, then refreshes", async () => {
    const appid = appids[2]!;
    await seedSandboxAuthorizer({ sandbox, appid, refreshAt: secondsFromNow(-60) });
    await sandboxControl(sandbox, "faults", { kind: "http5xx", endpoint: "api_authorizer_token", count: 1 });
    const callsBefore = (await refreshCalls()).length;

    await runCredentialTick({ boss: runner.boss });
    const waiting: JobRow = await settledJob(appid, "retry");
    // First retry after retryDelay (5 s) doubled and jittered: between 5 and 10 s from the failure.
    const delayMs = new Date(waiting.start_after).getTime() - Date.now();
    expect(delayMs).toBeGreaterThan(3_000);
    expect(delayMs).toBeLessThanOrEqual(10_000);
    // The sandbox logs the 503 it answered as errcode -1.
    expect((await refreshCalls()).slice(callsBefore)).toEqual([expect.objectContaining({ errcode: -1, httpStatus: 503 })]);

    // Rather than wait the backoff out, move the retry to now.
    await t.database.withSession((session) => session.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [waiting.id]));
    const done = await settledJob(appid);
    expect(done.retry_count).toBe(1);
    expect(done.output).toMatchObject({ outcome: "token", appid });
    expect((await refreshCalls()).slice(callsBefore).map((call) => call.errcode)).toEqual([-1, 0]);
  });

  it("settles each job of a batch on its own: one WeChat failure retries only its own job", async () => {
    const batch = appids.slice(4, 8);
    for (const appid of batch) await seedSandboxAuthorizer({ sandbox, appid, refreshAt: secondsFromNow(-60) });
    await sandboxControl(sandbox, "faults", { kind: "http5xx", endpoint: "api_authorizer_token", count: 1 });

    const tick = await runCredentialTick({ boss: runner.boss });
    expect(tick.refreshes).toMatchObject({ ok: true, value: { queued: batch.length } });
    const settled = await eventually(
      async () => {
        const jobs = (await listRefreshJobs(t.database)).filter((job) => batch.includes(job.singleton_key!));
        const done = jobs.filter((job) => job.state === "completed");
        const retrying = jobs.filter((job) => job.state === "retry");
        return done.length === batch.length - 1 && retrying.length === 1 ? { done, retrying } : undefined;
      },
      { timeoutMs: 15_000 },
    );
    // Each completed job carries its own outcome, not the batch's.
    for (const job of settled.done) expect(job.output).toMatchObject({ outcome: "token", appid: job.singleton_key });
    expect(settled.retrying[0]!.output).toMatchObject({ message: expect.any(String) });
  });

  // Last: it stops the shared runner.
  it("stopping waits for a running refresh to finish instead of abandoning it", async () => {
    const appid = appids[3]!;
    await seedSandboxAuthorizer({ sandbox, appid, refreshAt: secondsFromNow(-60) });
    await sandboxControl(sandbox, "faults", { kind: "latency", ms: 1500, endpoint: "api_authorizer_token", count: 1 });

    await runCredentialTick({ boss: runner.boss });
    await settledJob(appid, "active");
    await runner.stop({ timeoutMs: 10_000 });

    const done = await settledJob(appid);
    expect(done.output).toMatchObject({ outcome: "token", appid });
    expect(done.retry_count).toBe(0);
  });
});
