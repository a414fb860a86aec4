// Applies prisma/migrations the way `prisma migrate deploy` does, so either can take over from the
// other: same _prisma_migrations table, SHA-256 checksums of migration.sql, the same advisory lock.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Database, SqlSession } from "./index";

/** Prisma Migrate's own advisory lock key: a concurrent `prisma migrate deploy` waits for us too. */
const PRISMA_MIGRATE_LOCK = 72707369;

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: number };

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = "MigrationError";
  }
}

// Read at run time from the working directory (the project root), not bundled by Next.js.
export const defaultMigrationsDir = () => resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");

export const checksumOf = (sql: string) => createHash("sha256").update(sql, "utf8").digest("hex");

export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  if (!existsSync(/*turbopackIgnore: true*/ dir)) throw new MigrationError(`no migrations folder at ${dir}`);
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(/*turbopackIgnore: true*/ join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(/*turbopackIgnore: true*/ join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: checksumOf(sql) };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

type Row = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

async function applyPending(session: SqlSession, migrations: Migration[], log: (msg: string) => void): Promise<MigrateResult> {
  await session.exec(CREATE_TABLE);
  const rows = await session.query<Row>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `migration ${failed.migration_name} failed earlier and blocks further migrations (Prisma P3009); fix the database, then mark it rolled back`,
      failed.migration_name,
    );
  }
  const applied = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (row && row.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${m.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… on disk); restore it and put the change in a new migration`,
        m.name,
      );
    }
  }
  const pending = migrations.filter((m) => !applied.has(m.name));
  for (const m of pending) {
    const id = randomUUID();
    await session.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`, [
      id,
      m.checksum,
      m.name,
    ]);
    try {
      await session.exec(`BEGIN;\n${m.sql}\n;COMMIT;`);
    } catch (error) {
      await session.exec("ROLLBACK").catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, reason]);
      throw new MigrationError(`migration ${m.name} failed: ${reason}`, m.name);
    }
    await session.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
    log(`applied migration ${m.name}`);
  }
  return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
}

/** Brings the database up to date. Safe to run from several processes at once. */
export async function migrate(
  database: Database,
  { dir, log = () => {} }: { dir?: string; log?: (msg: string) => void } = {},
): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  return database.withSession(async (session) => {
    await session.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
    try {
      return await applyPending(session, migrations, log);
    } finally {
      await session.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`).catch(() => {});
    }
  });
}
