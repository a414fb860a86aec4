// Vitest global setup: the tests' PostgreSQL server. With DATABASE_URL, that server (each test file
// makes its own database on it). Without it, the embedded default: a PostgreSQL server of the
// tests' own in a temporary folder, started here and stopped when the run ends.
import { scratchServer, type ScratchServer } from "../../lib/db/scratch";

let server: ScratchServer | undefined;

export async function setup(): Promise<void> {
  server = await scratchServer("portal-test-pg");
  // Workers start after this and inherit it.
  process.env.TEST_DATABASE_SERVER_URL = server.serverUrl;
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
