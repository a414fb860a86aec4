// The one way into the database. With DATABASE_URL: PostgreSQL through node-postgres. Without it:
// embedded PostgreSQL (PGlite) persisted under .data/. Nothing outside this folder knows which runs.
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client";
import { getEnv } from "../env";

/** A single connection for raw SQL that must stay on one session (advisory locks, scripts). */
export type SqlSession = {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script (a migration). */
  exec(script: string): Promise<void>;
  /** Runs a script of one or more statements and returns the rows of the last one (pg-boss on PGlite). */
  execLast<T = Record<string, unknown>>(script: string): Promise<T[]>;
};

export type Database = {
  kind: "postgres" | "pglite";
  prisma: PrismaClient;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding a PostgreSQL advisory lock on `key`, so only one process at a time runs
   * it for that key. `fn` may use the database freely (the lock sits on its own connection).
   */
  withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type DatabaseTarget = { url: string } | { pgliteDir: string };

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: "postgres",
    prisma,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          query: async (text, params) => (await client.query(text, params as unknown[])).rows,
          exec: async (script) => {
            await client.query(script);
          },
          execLast: async (script) => {
            // node-postgres answers a multi-statement script with one result per statement.
            const result = (await client.query(script)) as unknown as pg.QueryResult | pg.QueryResult[];
            const last = Array.isArray(result) ? result.at(-1) : result;
            return (last?.rows ?? []) as never[];
          },
        });
      } finally {
        client.release();
      }
    },
    async withAdvisoryLock(key, fn) {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock(hashtext($1))", [key]);
        try {
          return await fn();
        } finally {
          await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function openPglite(dir: string): Database {
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const db = new PGlite(dir);
  // PGlite's emscripten runtime sets process.exitCode = 99 as it boots; a clean exit must stay 0.
  void db.waitReady.then(() => {
    if (process.exitCode === 99) process.exitCode = undefined;
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  // PGlite is a single connection, so session-level state (advisory locks) is shared by every
  // caller in this process: sessions take turns instead.
  let turn: Promise<unknown> = Promise.resolve();
  return {
    kind: "pglite",
    prisma,
    withSession(fn) {
      const run = turn.then(async () => {
        await db.waitReady;
        if (process.exitCode === 99) process.exitCode = undefined;
        return fn({
          query: async (text, params) => (await db.query(text, params as unknown[])).rows as never[],
          exec: async (script) => {
            await db.exec(script);
          },
          execLast: async (script) => ((await db.exec(script)).at(-1)?.rows ?? []) as never[],
        });
      });
      turn = run.catch(() => {});
      return run;
    },
    // The embedded database belongs to this one process, where callers already take turns
    // (single-flight per key); an advisory lock on its single shared session would exclude nothing.
    withAdvisoryLock: (_key, fn) => fn(),
    async close() {
      await prisma.$disconnect();
      if (!db.closed) await db.close();
    },
  };
}

export function openDatabase(target: DatabaseTarget): Database {
  return "url" in target ? openPostgres(target.url) : openPglite(target.pgliteDir);
}

const holder = globalThis as unknown as { __portalDatabase?: Database };

/** The process-wide database (one per process, also across Next.js dev reloads). */
export function getDatabase(): Database {
  if (!holder.__portalDatabase) {
    const env = getEnv();
    holder.__portalDatabase = openDatabase(env.databaseUrl ? { url: env.databaseUrl } : { pgliteDir: env.pgliteDir });
  }
  return holder.__portalDatabase;
}

/** Shorthand for the Prisma client of the process-wide database. */
export const db = (): PrismaClient => getDatabase().prisma;

/** Makes `database` the process-wide one (tests, and scripts that open a specific target). */
export function useDatabase(database: Database): void {
  holder.__portalDatabase = database;
}

export async function closeDatabase(): Promise<void> {
  const current = holder.__portalDatabase;
  holder.__portalDatabase = undefined;
  await current?.close();
}
