// The embedded default is one PostgreSQL server that every process shares: CLIs run beside a
// running portal connect to it (and leave it running), a CLI run alone starts it and stops it again,
// processes starting together end with one server, and data written by one is seen by the next.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runningPort } from "@/lib/db/embedded";
import { ensureEmbeddedServer, stopEmbeddedServer } from "@/lib/db/embedded-server";

const folders: string[] = [];
const dataFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), "portal-embedded-"));
  folders.push(folder);
  return folder;
};

function runCli(script: string, args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _unset, TEST_DATABASE_SERVER_URL: _alsoUnset, ...env } = process.env;
    const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only.mjs", script, ...args], {
      env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const folder of folders) {
    await stopEmbeddedServer(join(folder, "postgres")).catch(() => {});
    rmSync(folder, { recursive: true, force: true });
  }
});

describe("the embedded PostgreSQL server", () => {
  it("lets a CLI work beside a running portal, on the same server, and leaves it running", async () => {
    const dataDir = dataFolder();
    // What `npm run demo` / `npm start` do first.
    const portal = await ensureEmbeddedServer(join(dataDir, "postgres"));
    expect(portal.startedHere).toBe(true);
    const holding = new pg.Client({ connectionString: portal.url });
    await holding.connect();
    try {
      const run = await runCli("scripts/migrate.ts", [], dataDir);
      expect(run.output).toContain("embedded PostgreSQL on 127.0.0.1:");
      expect(run.code).toBe(0);
      // The CLI's migrations are in the portal's database, and the server is still the same one.
      expect(await tables(portal.url)).toContain("authorizers");
      expect(runningPort(join(dataDir, "postgres"))).toBe(portal.port);
      expect((await holding.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await holding.end();
      await portal.stop();
    }
  }, 120_000);

  it("starts the server for a CLI run alone and stops it afterwards; the data stays", async () => {
    const dataDir = dataFolder();
    const first = await runCli("scripts/migrate.ts", [], dataDir);
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/\d+ applied, 0 already applied/);
    expect(runningPort(join(dataDir, "postgres"))).toBeUndefined();
    const second = await runCli("scripts/migrate.ts", [], dataDir);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/0 applied, \d+ already applied/);
  }, 120_000);

  it("ends with one server when several processes start it at once", async () => {
    const dataDir = join(dataFolder(), "postgres");
    const servers = await Promise.all([1, 2, 3].map(() => ensureEmbeddedServer(dataDir)));
    try {
      expect(servers.filter((server) => server.startedHere)).toHaveLength(1);
      expect(new Set(servers.map((server) => server.port)).size).toBe(1);
      // The one that started it keeps it while others are connected.
      const other = new pg.Client({ connectionString: servers[0]!.url });
      await other.connect();
      await servers.find((server) => server.startedHere)!.release();
      expect(runningPort(dataDir)).toBe(servers[0]!.port);
      await other.end();
    } finally {
      await stopEmbeddedServer(dataDir);
    }
  }, 120_000);
});
