// Throwaway databases for tests, benchmarks and checks: a new, empty database on a server, dropped
// afterwards; and the server to make them on: DATABASE_URL's, or an embedded PostgreSQL of its own in
// a temporary folder (started here, stopped by `stop`).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ensureEmbeddedServer } from "./embedded-server";

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export type ScratchDatabase = { url: string; drop(): Promise<void> };

/** A new, empty database named `<prefix>_<random>` on the server of `serverUrl`. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export type ScratchServer = { serverUrl: string; embedded: boolean; stop(): Promise<void> };

/** DATABASE_URL's server when it is set, else an embedded PostgreSQL server in a new temporary folder. */
export async function scratchServer(prefix: string): Promise<ScratchServer> {
  if (process.env.DATABASE_URL) return { serverUrl: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  const folder = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const server = await ensureEmbeddedServer(join(folder, "postgres"));
  return {
    serverUrl: server.serverUrl,
    embedded: true,
    async stop() {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
