// Vitest global setup: the tests' PostgreSQL server. With DATABASE_URL, that server (each test file
// makes its own database on it). Without it, the embedded default: a PostgreSQL server of the
// tests' own in a temporary folder, started here and stopped when the run ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureEmbeddedServer, type EmbeddedServer } from "../../lib/db/embedded-server";

let server: EmbeddedServer | undefined;
let folder: string | undefined;

export async function setup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  folder = mkdtempSync(join(tmpdir(), "portal-test-pg-"));
  server = await ensureEmbeddedServer(join(folder, "postgres"));
  // Workers start after this and inherit it.
  process.env.TEST_DATABASE_SERVER_URL = server.serverUrl;
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
}
