// npm run db:migrate — applies pending migrations to DATABASE_URL, or to the embedded database.
import { getEnvOrExit } from "../lib/env";
import { closeDatabase, getDatabase } from "../lib/db";
import { migrate, MigrationError } from "../lib/db/migrate";

const env = getEnvOrExit();
try {
  const result = await migrate(getDatabase(), { log: (m) => console.log(m) });
  const where = env.databaseUrl ? "PostgreSQL" : `embedded database at ${env.pgliteDir}`;
  console.log(`${where}: ${result.applied.length} applied, ${result.alreadyApplied} already applied`);
} catch (error) {
  console.error(error instanceof MigrationError ? `Migration refused: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
