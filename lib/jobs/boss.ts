// A pg-boss instance on the portal's database, with its own small pool (its polling never takes a
// connection the requests need).
import PgBoss from "pg-boss";
import { configuredDatabaseUrl, type Database } from "../db";
import { getEnv } from "../env";
import { BOSS_SCHEMA, QUEUES } from "./settings";

export type CreateBossOptions = {
  database: Database;
  /** Defaults to the configured database. Tests pass the URL of their own database. */
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

export function createBoss({ connectionString }: CreateBossOptions): PgBoss {
  // pg-boss hands these to its pg.Pool, so its connects time out like the portal's own.
  const options: PgBoss.ConstructorOptions & { connectionTimeoutMillis: number } = {
    ...COMMON_OPTIONS,
    connectionString: connectionString ?? configuredDatabaseUrl(),
    max: 4,
    connectionTimeoutMillis: getEnv().databasePool.connectTimeoutMs,
    application_name: "component-portal-jobs",
  };
  return new PgBoss(options);
}

/** Creates the queues, or brings an existing queue's options up to date. Safe to run concurrently. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  const queues: PgBoss.Queue[] = [
    // 'short': at most one waiting job per singleton key. A tick that is missed is replaced by the
    // next one a minute later, so ticks are not retried.
    { name: QUEUES.credentialTick, policy: "short", retryLimit: 0, expireInSeconds: 120 },
    // Transport and retry-class failures back off: about 5 s, 10 s, 20 s, 40 s, 80 s with jitter.
    { name: QUEUES.refreshAuthorizer, policy: "short", retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 },
    // 'stately': one waiting and one running at most. Reading every account may take a while; a list
    // WeChat will not give is tried again after about 30 s, 60 s, 120 s.
    {
      name: QUEUES.reconcileAuthorizers,
      policy: "stately",
      retryLimit: 3,
      retryDelay: 30,
      retryBackoff: true,
      expireInSeconds: 60 * 60,
    },
  ];
  for (const queue of queues) {
    // Copies: pg-boss normalises the options object it is given in place.
    await boss.createQueue(queue.name, { ...queue });
    await boss.updateQueue(queue.name, { ...queue });
  }
}
