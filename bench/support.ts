// Shared pieces of the benchmarks: a fresh PostgreSQL database, portal processes on the
// production build, timing statistics. Benchmarks only print figures; they assert nothing.
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { openDatabase } from "../lib/db";
import { createScratchDatabase, type ScratchDatabase } from "../lib/db/scratch";
import { migrate } from "../lib/db/migrate";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { buildPortal, startPortal } from "../scripts/portal-server";
export { load, percentile } from "./stats";

export const serverUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export async function freshDatabase(): Promise<ScratchDatabase> {
  const scratch = await createScratchDatabase(serverUrl, "cp_bench");
  const database = openDatabase({ url: scratch.url });
  await migrate(database);
  await database.close();
  return scratch;
}

export const benchKeys = {
  TOKEN_ENCRYPTION_KEY: `bench1:${randomBytes(32).toString("base64")}`,
  AUTH_SECRET: randomBytes(32).toString("base64url"),
};

/** Portal processes on the production build (built first if needed), jobs off so they add no calls. */
export async function startPortals({
  ports,
  databaseUrl,
  wechatBase,
  env = {},
}: {
  ports: number[];
  databaseUrl: string;
  wechatBase: string;
  /** Settings on top of the defaults (JOBS_ENABLED=true to deliver webhooks, say). */
  env?: Record<string, string>;
}): Promise<{ urls: string[]; pids: number[]; stop(): Promise<void> }> {
  // BENCH_PORTAL_DIR=<checkout>: that checkout's portal (built there) instead of this one, for "before" figures.
  const checkout = process.env.BENCH_PORTAL_DIR;
  if (!checkout) buildPortal();
  // A portal left over from an earlier run would answer instead, and be measured.
  for (const port of ports) {
    if (await answers(`http://localhost:${port}/api/health`))
      throw new Error(`something already answers on port ${port} (a portal left running?): stop it first`);
  }
  const children: ChildProcess[] = ports.map((port) =>
    startPortal({
      port,
      checkout,
      // BENCH_CPU_PROFILE=<dir>: each portal writes a .cpuprofile there when it stops (bench/cpu-profile.ts).
      nodeArgs: process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [],
      env: {
        DATABASE_URL: databaseUrl,
        PUBLIC_BASE_URL: `http://localhost:${port}`,
        WECHAT_COMPONENT_APPID: DEMO_COMPONENT.appid,
        WECHAT_COMPONENT_APPSECRET: DEMO_COMPONENT.appsecret,
        WECHAT_COMPONENT_TOKEN: DEMO_COMPONENT.token,
        WECHAT_COMPONENT_AES_KEY: DEMO_COMPONENT.encodingAesKey,
        WECHAT_API_BASE: wechatBase,
        WECHAT_MP_BASE: wechatBase,
        WECHAT_OPEN_BASE: wechatBase,
        ADMIN_EMAIL: "bench@portal.local",
        ADMIN_PASSWORD: "bench-password-not-secret",
        JOBS_ENABLED: "false",
        LOG_LEVEL: "error",
        ...benchKeys,
        ...env,
      },
    }),
  );
  const urls = ports.map((p) => `http://localhost:${p}`);
  for (const url of urls) {
    for (let i = 0; ; i++) {
      if (await answers(`${url}/api/health`)) break;
      if (i > 240) throw new Error(`portal at ${url} did not start`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  /** SIGTERM, then resolves once every portal has exited (and written what it writes on exit, a CPU profile say). */
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    ).then(() => undefined);
  return { urls, pids: children.map((c) => c.pid!), stop };
}

/** Transactions committed in a database so far (PostgreSQL's statistics, flushed within a second: it waits that out). */
export async function commitsOf(url: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()",
    );
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

const answers = (url: string) =>
  fetch(url).then(
    () => true,
    () => false,
  );

/** A bench/*.ts script in a process of its own, its stdout piped here (`portalModules`: it imports the portal's server modules). */
const spawnScript = (script: string, args: (string | number)[], { portalModules = false } = {}) =>
  spawn(
    process.execPath,
    ["--import", "tsx", ...(portalModules ? ["--import", "./scripts/server-only.mjs"] : []), script, ...args.map(String)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );

/**
 * Starts a server (a bench/*.ts script that prints one JSON line with its `url` once it listens)
 * in a process of its own; `close` stops it with SIGTERM.
 */
export function startServerProcess(
  script: string,
  args: (string | number)[],
): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const child = spawnScript(script, args, { portalModules: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited ${code} before listening`)));
    child.stdout.once("data", (chunk: Buffer) => {
      const { url } = JSON.parse(chunk.toString("utf8")) as { url: string };
      resolve({ url, pid: child.pid!, close: async () => (child.kill("SIGTERM"), await exited) });
    });
  });
}

/** Runs a load generator (a bench/*.ts script) in a process of its own and parses the JSON line it prints last. */
export function runLoadProcess<T>(script: string, args: (string | number)[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(script, args);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as T) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}
