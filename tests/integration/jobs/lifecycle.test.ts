import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { getRunningBoss, startJobs, stopJobs } from "@/lib/jobs";
import { parseEnv } from "@/lib/env";
import { resetPortalCaches } from "../../helpers/sandbox";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";

const isJobsEnabled = (extra: Record<string, string>) => parseEnv({ ...process.env, ...extra }).jobsEnabled;

const bossInstalled = async (t: TestDatabase) =>
  (await t.database.withSession((s) => s.query<{ installed: boolean }>(`SELECT to_regclass('pgboss.job') IS NOT NULL AS installed`)))[0]
    ?.installed;

describe(`starting and stopping the jobs (${databaseKind})`, () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    delete process.env.JOBS_ENABLED;
    resetPortalCaches();
    await stopJobs({ timeoutMs: 1000 });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("reads JOBS_ENABLED: only an explicit false (or off/0/no) turns the jobs off", () => {
    expect(isJobsEnabled({})).toBe(true);
    expect(isJobsEnabled({ JOBS_ENABLED: "true" })).toBe(true);
    expect(isJobsEnabled({ JOBS_ENABLED: "false" })).toBe(false);
    expect(isJobsEnabled({ JOBS_ENABLED: "off" })).toBe(false);
    expect(isJobsEnabled({ JOBS_ENABLED: "0" })).toBe(false);
    expect(isJobsEnabled({ JOBS_ENABLED: "no" })).toBe(false);
  });

  it("with JOBS_ENABLED=false starts nothing, not even pg-boss's tables", async () => {
    installDatabase(t.database);
    process.env.JOBS_ENABLED = "false";
    resetPortalCaches(); // settings are read once per process
    expect(await startJobs({ database: t.database, connectionString: t.url })).toBeUndefined();
    expect(await getRunningBoss()).toBeUndefined();
    expect(await bossInstalled(t)).toBe(false);
  });

  it("starts once per process, registers the minute schedule, and stops", async () => {
    installDatabase(t.database);
    const [a, b] = await Promise.all([
      startJobs({ database: t.database, connectionString: t.url }),
      startJobs({ database: t.database, connectionString: t.url }),
    ]);
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(await getRunningBoss()).toBe(a!.boss);
    expect((await a!.boss.getSchedules()).map((s) => [s.name, s.cron])).toEqual([["credential-tick", "* * * * *"]]);
    await stopJobs({ timeoutMs: 1000 });
    expect(await getRunningBoss()).toBeUndefined();
  });

  it("stops gracefully on SIGTERM and then lets the process end", async () => {
    const script = fileURLToPath(new URL("./run-jobs-until-signal.ts", import.meta.url));
    // The child is another process on the same database.
    const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only.mjs", script], {
      cwd: process.cwd(),
      env: { ...process.env, LOG_LEVEL: "info", DATABASE_URL: t.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    await eventually(() => output.includes(`"ready":true`), { timeoutMs: 30_000 });
    expect(output).toContain(`"started":true`);
    child.kill("SIGTERM");
    const exit = await exited;
    expect(output).toContain(`"bossStopped":true`);
    expect(output).toContain("background jobs stopped");
    // Nothing else listens for SIGTERM in a plain script, so the stop ends the process: 128 + 15.
    expect(exit).toEqual({ code: 143, signal: null });
  }, 40_000);
});
