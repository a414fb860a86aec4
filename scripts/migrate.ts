// npm run db:migrate — applies pending migrations to DATABASE_URL, or to the embedded database.
import { getDatabase } from "../lib/db";
import { migrate, MigrationError } from "../lib/db/migrate";
import { runWithDatabase } from "./database";

await runWithDatabase(async ({ description }) => {
  try {
    const result = await migrate(getDatabase(), { log: (m) => console.log(m) });
    console.log(`${description}: ${result.applied.length} applied, ${result.alreadyApplied} already applied`);
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error;
    console.error(`Migration refused: ${error.message}`);
    return 1;
  }
});
