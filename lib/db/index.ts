// The one way into the database: PostgreSQL through node-postgres, either DATABASE_URL or the
// embedded server under .data/postgres (a real PostgreSQL the project starts; see embedded-server.ts).
// Nothing outside this folder knows which one runs.
import "server-only";
import { createHash } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";
import { getEnv } from "../env";
import { EMBEDDED_DATABASE, runningPort, urlFor } from "./embedded";
import { DatabaseUnavailableError } from "./errors";

export { DatabaseUnavailableError, isDatabaseUnavailable } from "./errors";

/** A single connection for raw SQL that must stay on one session (migrations, scripts). */
export type SqlSession = {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script (a migration). */
  exec(script: string): Promise<void>;
};

/** Anything that runs raw SQL: the Prisma client, a transaction of it, or the pool itself (Database.sql). */
export type Sql = { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> };

export type Database = {
  /** Where it connects: for a session of its own outside the pool (LISTEN, lib/token-centre/memory.ts). */
  url: string;
  prisma: PrismaClient;
  /**
   * One statement straight on the pool, without Prisma's runtime: for the hot paths' single
   * statements (a message and its outbox rows, the relay's claims and results). Rows come as
   * node-postgres gives them (timestamptz as Date, jsonb parsed); select what Prisma would map.
   * Each statement is prepared once per connection (a named statement: PostgreSQL parses and plans
   * it once, not on every call), so its text must be fixed: values go in parameters, never in it.
   */
  sql: Sql;
  /**
   * Several statements in one transaction on one connection, as `sql` runs them (prepared, without
   * Prisma's runtime): committed when `fn` resolves, rolled back when it throws.
   */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type DatabaseTarget = { url: string; max?: number; connectTimeoutMs?: number };

const statementNames = new Map<string, string>();

/** A prepared statement's name: the same text always gets the same one (its hash). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `portal_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * The pool never makes a caller wait forever: a request that cannot get a connection within
 * `connectTimeoutMs` fails with DatabaseUnavailableError (routes answer 503).
 */
function openPostgres({ url, max = 10, connectTimeoutMs = 5_000 }: DatabaseTarget): Database {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 10_000, connectionTimeoutMillis: connectTimeoutMs });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (error) {
      throw new DatabaseUnavailableError(error);
    }
  };
  const prepared = (client: pg.Pool | pg.PoolClient): Sql => ({
    $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) =>
      (await client.query({ name: statementName(text), text, values })).rows as T,
  });
  return {
    url,
    prisma,
    sql: prepared(pool),
    async transaction(fn) {
      const client = await connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(prepared(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        await client.query("ROLLBACK").catch((failure: Error) => (broken = failure));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async withSession(fn) {
      const client = await connect();
      try {
        return await fn({
          query: async (text, params) => (await client.query(text, params as unknown[])).rows,
          exec: async (script) => {
            await client.query(script);
          },
        });
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

export function openDatabase(target: DatabaseTarget): Database {
  return openPostgres(target);
}

/**
 * The database this process's configuration names: DATABASE_URL, or the embedded server, which
 * must already run (`npm run demo`, `npm start` and the CLIs start it before they get here).
 */
export function configuredDatabaseUrl(): string {
  const env = getEnv();
  if (env.databaseUrl) return env.databaseUrl;
  const port = runningPort(env.embeddedDataDir);
  if (port === undefined) {
    throw new Error(
      `The embedded PostgreSQL in ${env.embeddedDataDir} is not running. Start the portal with npm run demo or npm start (they start it), or set DATABASE_URL.`,
    );
  }
  return urlFor(port, EMBEDDED_DATABASE);
}

const holder = globalThis as unknown as { __portalDatabase?: Database };

/** The process-wide database (one per process, also across Next.js dev reloads). */
export function getDatabase(): Database {
  if (!holder.__portalDatabase) {
    const env = getEnv();
    holder.__portalDatabase = openDatabase({ url: configuredDatabaseUrl(), ...env.databasePool });
  }
  return holder.__portalDatabase;
}

/** Shorthand for the Prisma client of the process-wide database. */
export const db = (): PrismaClient => getDatabase().prisma;

/** Shorthand for the process-wide database's pool, for one raw statement (Database.sql). */
export const sql = (): Sql => getDatabase().sql;

/** Shorthand for a transaction on the process-wide database's pool (Database.transaction). */
export const transaction = <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => getDatabase().transaction(fn);

/** Makes `database` the process-wide one (tests, and scripts that open a specific target). */
export function installDatabase(database: Database): void {
  holder.__portalDatabase = database;
}

export async function closeDatabase(): Promise<void> {
  const current = holder.__portalDatabase;
  holder.__portalDatabase = undefined;
  await current?.close();
}
