// The soak's moving parts, all on loopback: a throwaway PostgreSQL server in a temporary folder
// (stopped and started again on the same port for an outage), the built portal as child processes
// (killable with SIGKILL, restartable on the same port), the WeChat sandbox in this process, and
// the shared settings every portal process gets. Nothing here touches the machine's own PostgreSQL.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import pg from "pg";
import PgBoss from "pg-boss";
import { openDatabase, type Database } from "../../lib/db";
import { ensureEmbeddedServer, freePort, stopEmbeddedServer, type EmbeddedServer } from "../../lib/db/embedded-server";
import { migrate } from "../../lib/db/migrate";
import { DEMO_COMPONENT } from "../../lib/wechat/demo-component";
import { portalServerArgs } from "../../scripts/portal-server";
import { startSandbox, type SandboxHandle, type StartSandboxOptions } from "../../sandbox/server";

import { SOAK_ADMIN, SOAK_DIST_DIR, soakSecrets } from "./settings";

export { freePort };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something truthy; undefined when `timeoutMs` passes first. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs, intervalMs = 250 }: { timeoutMs: number; intervalMs?: number },
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(check()).catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** One scenario's temporary folder: database files, portal logs. Removed unless kept for a failure. */
export function scenarioFolder(name: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `portal-soak-${name}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type SoakDatabase = {
  server: EmbeddedServer;
  url: string;
  /** The driver's own connection (small pool, short connect timeout). */
  database: Database;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (fast shutdown: every session is cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port, so every pool reconnects to the same address. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

const servers = new Set<string>();
const live = new Set<ChildProcess>();

/**
 * For a soak cut short (its time limit, Ctrl-C): kills every portal process and stops every
 * PostgreSQL server it started, so nothing outlives it. Bounded: gives up after `timeoutMs`.
 */
export async function stopEverything(timeoutMs = 30_000): Promise<void> {
  for (const child of live) child.kill("SIGKILL");
  const stops = [...servers].map((dataDir) => stopEmbeddedServer(dataDir).catch(() => {}));
  await Promise.race([Promise.all(stops), sleep(timeoutMs)]);
}

/** A PostgreSQL server of the scenario's own in `folder`, with the portal's schema migrated. */
export async function startSoakDatabase(folder: string): Promise<SoakDatabase> {
  let server = await ensureEmbeddedServer(join(folder, "postgres"));
  servers.add(server.dataDir);
  const database = openDatabase({ url: server.url, max: 4, connectTimeoutMs: 2000 });
  await migrate(database);
  const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 2000 });
  pool.on("error", () => {});
  return {
    get server() {
      return server;
    },
    url: server.url,
    database,
    query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows,
    stop: () => server.stop(),
    restart: async () => {
      server = await ensureEmbeddedServer(server.dataDir, { port: server.port });
    },
    close: async () => {
      await pool.end().catch(() => {});
      await database.close().catch(() => {});
      await server.stop().catch(() => {});
      servers.delete(server.dataDir);
    },
  };
}

export type PortalProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL: no shutdown hook runs, open transactions die with the connection. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** A new process on the same port with the same settings. */
  restart(): Promise<void>;
};

export type PortalSettings = {
  port: number;
  databaseUrl: string;
  wechatBase: string;
  dataDir: string;
  logFile: string;
  jobs: boolean;
  extraEnv?: Record<string, string>;
};

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

// Never leave a portal behind, whatever ends the soak.
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function spawnPortal(settings: PortalSettings): ChildProcess {
  const log = createWriteStream(settings.logFile, { flags: "a" });
  const child = spawn(process.execPath, portalServerArgs({ port: settings.port, host: "127.0.0.1" }), {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: SOAK_DIST_DIR,
      NODE_ENV: "production",
      DATABASE_URL: settings.databaseUrl,
      DATA_DIR: settings.dataDir,
      PUBLIC_BASE_URL: `http://127.0.0.1:${settings.port}`,
      WECHAT_COMPONENT_APPID: DEMO_COMPONENT.appid,
      WECHAT_COMPONENT_APPSECRET: DEMO_COMPONENT.appsecret,
      WECHAT_COMPONENT_TOKEN: DEMO_COMPONENT.token,
      WECHAT_COMPONENT_AES_KEY: DEMO_COMPONENT.encodingAesKey,
      WECHAT_API_BASE: settings.wechatBase,
      WECHAT_MP_BASE: settings.wechatBase,
      WECHAT_OPEN_BASE: settings.wechatBase,
      ADMIN_EMAIL: SOAK_ADMIN.email,
      ADMIN_PASSWORD: SOAK_ADMIN.password,
      JOBS_ENABLED: settings.jobs ? "true" : "false",
      LOG_LEVEL: "warn",
      ...soakSecrets,
      ...settings.extraEnv,
    },
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

export async function waitHealthy(url: string, timeoutMs = 120_000): Promise<boolean> {
  const ok = await waitFor(
    async () => {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
      await response.text();
      return response.status === 200;
    },
    { timeoutMs, intervalMs: 500 },
  );
  return ok === true;
}

/** Starts the built portal (scripts/serve.mjs) on the soak build and waits until /api/health answers 200. */
export async function startPortalProcess(settings: PortalSettings): Promise<PortalProcess> {
  const url = `http://127.0.0.1:${settings.port}`;
  const portal: PortalProcess = {
    url,
    port: settings.port,
    child: spawnPortal(settings),
    async kill9() {
      portal.child.kill("SIGKILL");
      await exited(portal.child);
    },
    async stop() {
      portal.child.kill("SIGTERM");
      const done = await Promise.race([exited(portal.child).then(() => true), sleep(15_000).then(() => false)]);
      if (!done) await portal.kill9();
    },
    async restart() {
      await portal.stop();
      portal.child = spawnPortal(settings);
      if (!(await waitHealthy(url))) throw new Error(`portal on ${url} did not come back (log: ${settings.logFile})`);
    },
  };
  if (!(await waitHealthy(url))) throw new Error(`portal on ${url} did not start (log: ${settings.logFile})`);
  return portal;
}

/** The sandbox in this process (its state is read directly), on loopback, quiet. */
export function startSoakSandbox(options: StartSandboxOptions): Promise<SandboxHandle> {
  return startSandbox({
    port: 0,
    host: "127.0.0.1",
    pushTicketOnStart: false,
    rotateRefreshEvery: 0,
    logger: pino({ level: "silent" }),
    ...options,
  });
}

/** A pg-boss client for sending jobs to the portal's queues (no maintenance, no schedules). */
export async function startJobClient(url: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema: "pgboss", supervise: false, schedule: false, migrate: false, max: 2 });
  boss.on("error", () => {});
  await boss.start();
  return boss;
}

/** Upstream calls the sandbox saw, by endpoint, since call id `since` (the log keeps the last 5,000). */
export function countCalls(sandbox: SandboxHandle, since = 0): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of sandbox.state.calls) if (call.id > since) counts[call.endpoint] = (counts[call.endpoint] ?? 0) + 1;
  return counts;
}

export const lastCallId = (sandbox: SandboxHandle) => sandbox.state.calls.at(-1)?.id ?? 0;

export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return "none";
  return entries.map(([name, count]) => `${name.replace(/^api_/, "")} ${count}`).join(", ");
}

/** Accumulates every call (the sandbox's log is capped): call `collect()` often. */
export function callCollector(sandbox: SandboxHandle) {
  let seen = lastCallId(sandbox);
  const counts: Record<string, number> = {};
  const listeners: ((call: SandboxHandle["state"]["calls"][number]) => void)[] = [];
  return {
    counts,
    onCall(listener: (call: SandboxHandle["state"]["calls"][number]) => void) {
      listeners.push(listener);
    },
    collect() {
      for (const call of sandbox.state.calls) {
        if (call.id <= seen) continue;
        seen = call.id;
        counts[call.endpoint] = (counts[call.endpoint] ?? 0) + 1;
        for (const listener of listeners) listener(call);
      }
    },
  };
}
