// A pg-boss instance on the portal's database. On PostgreSQL it gets its own small pool; on the
// embedded PGlite there is one in-process connection, so its SQL goes through lib/db's sessions.
import PgBoss from "pg-boss";
import type { Database } from "../db";
import { getEnv } from "../env";
import { BOSS_SCHEMA, QUEUES } from "./settings";

export type CreateBossOptions = {
  database: Database;
  /** PostgreSQL only; defaults to DATABASE_URL. Tests pass the URL of their own database. */
  connectionString?: string;
};

const COMMON_OPTIONS = {
  schema: BOSS_SCHEMA,
  migrate: true,
  // Maintenance (expiring stuck jobs, archiving) and cron evaluation are guarded by timestamps in
  // pg-boss's own tables, so every instance may run them: only one does per interval.
  supervise: true,
  schedule: true,
} satisfies PgBoss.ConstructorOptions;

/** pg-boss's `db` option over PGlite: scripts without parameters may hold several statements. */
function pgliteExecutor(database: Database): PgBoss.Db {
  return {
    executeSql: (text, values) =>
      database.withSession(async (session) => ({
        rows: values && values.length > 0 ? await session.query(text, values) : await session.execLast(text),
      })),
  };
}

export function createBoss({ database, connectionString }: CreateBossOptions): PgBoss {
  if (database.kind === "pglite") return new PgBoss({ ...COMMON_OPTIONS, db: pgliteExecutor(database) });
  const url = connectionString ?? getEnv().databaseUrl;
  if (!url) throw new Error("pg-boss on PostgreSQL needs a connection string (DATABASE_URL)");
  return new PgBoss({ ...COMMON_OPTIONS, connectionString: url, max: 4, application_name: "component-portal-jobs" });
}

/** Creates the queues, or brings an existing queue's options up to date. Safe to run concurrently. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  const queues: PgBoss.Queue[] = [
    // 'short': at most one waiting job per singleton key. A tick that is missed is replaced by the
    // next one a minute later, so ticks are not retried.
    { name: QUEUES.credentialTick, policy: "short", retryLimit: 0, expireInSeconds: 120 },
    // Transport and retry-class failures back off: about 5 s, 10 s, 20 s, 40 s, 80 s with jitter.
    { name: QUEUES.refreshAuthorizer, policy: "short", retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 },
  ];
  for (const queue of queues) {
    // Copies: pg-boss normalises the options object it is given in place.
    await boss.createQueue(queue.name, { ...queue });
    await boss.updateQueue(queue.name, { ...queue });
  }
}
