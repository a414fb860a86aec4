// A fresh, migrated database for one test file: a new database on the tests' PostgreSQL server
// (DATABASE_URL's, or the embedded one tests/setup/database-server.ts starts). Made the
// process-wide one for lib/ code.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, useDatabase, type Database } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";

export type TestDatabase = { database: Database; url: string; drop(): Promise<void> };

const serverUrl = process.env.TEST_DATABASE_SERVER_URL ?? process.env.DATABASE_URL;
if (!serverUrl) throw new Error("no test database server: run the tests through vitest (its global setup starts one)");

/** A database URL on the tests' server. */
export function databaseUrlFor(name: string): string {
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An empty database (no migrations applied). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `cp_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = databaseUrlFor(name);
  const database = openDatabase({ url });
  return {
    database,
    url,
    async drop() {
      await database.close();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** A migrated database, also installed as the process-wide one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const test = await createEmptyDatabase();
  await migrate(test.database);
  useDatabase(test.database);
  return test;
}

export const databaseKind = process.env.DATABASE_URL ? "PostgreSQL" : "embedded PostgreSQL";
