// A fresh, migrated database for one test file: a new database on the tests' PostgreSQL server
// (DATABASE_URL's, or the embedded one tests/setup/database-server.ts starts). Made the
// process-wide one for lib/ code.
import { openDatabase, installDatabase, type Database } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch";

export type TestDatabase = { database: Database; url: string; drop(): Promise<void> };

const serverUrl = process.env.TEST_DATABASE_SERVER_URL ?? process.env.DATABASE_URL;
if (!serverUrl) throw new Error("no test database server: run the tests through vitest (its global setup starts one)");

/** An empty database (no migrations applied). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(serverUrl!, "cp_test");
  const database = openDatabase({ url: scratch.url });
  return {
    database,
    url: scratch.url,
    async drop() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** A migrated database, also installed as the process-wide one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const test = await createEmptyDatabase();
  await migrate(test.database);
  installDatabase(test.database);
  return test;
}

export const databaseKind = process.env.DATABASE_URL ? "PostgreSQL" : "embedded PostgreSQL";
