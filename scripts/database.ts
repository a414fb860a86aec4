// What every launcher and CLI does before it touches the database: with DATABASE_URL, nothing;
// on the embedded default, connect to the project's PostgreSQL server under .data/postgres,
// starting it if no other process has. `release` stops it again only if this process started it
// and nobody else is connected, so a CLI run beside `npm run demo` leaves the demo's server alone.
import { getEnvOrExit } from "../lib/env";
import { closeDatabase } from "../lib/db";
import { ensureEmbeddedServer } from "../lib/db/embedded-server";

export type StartedDatabase = { description: string; release(): Promise<void> };

export async function startDatabase({ quiet = false }: { quiet?: boolean } = {}): Promise<StartedDatabase> {
  const env = getEnvOrExit();
  if (env.databaseUrl) return { description: "PostgreSQL (DATABASE_URL)", release: async () => {} };
  const server = await ensureEmbeddedServer(env.embeddedDataDir, { onStart: quiet ? undefined : (line) => console.log(line) });
  return {
    description: `embedded PostgreSQL on 127.0.0.1:${server.port} (data in ${server.dataDir})`,
    release: () => server.release(),
  };
}

/** Runs a command-line tool's body against the configured database and exits with its code. */
export async function runWithDatabase(body: (database: StartedDatabase) => Promise<number>): Promise<never> {
  let code = 1;
  let started: StartedDatabase | undefined;
  try {
    started = await startDatabase({ quiet: true });
    code = await body(started);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  } finally {
    await closeDatabase().catch(() => {});
    await started?.release().catch(() => {});
  }
  process.exit(code);
}
