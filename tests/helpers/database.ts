// A fresh, migrated database for one test file: a new PostgreSQL database on the DATABASE_URL
// server when it is set, otherwise an in-memory PGlite. Made the process-wide one for lib/ code.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, useDatabase, type Database } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";

export type TestDatabase = { database: Database; url?: string; drop(): Promise<void> };

const serverUrl = process.env.DATABASE_URL;

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
  if (!serverUrl) {
    const database = openDatabase({ pgliteDir: "memory://" });
    return { database, drop: () => database.close() };
  }
  const name = `cp_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = openDatabase({ url: url.toString() });
  return {
    database,
    url: url.toString(),
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

export const databaseKind = serverUrl ? "postgres" : "pglite";
