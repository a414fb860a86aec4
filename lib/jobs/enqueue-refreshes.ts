// Queues one refresh-authorizer job per authorizer whose access token is due within the next
// minute, starting at its refresh time. Never twice for one authorizer, even when two instances tick
// at once: authorizers with a live job (waiting, retrying or running) are skipped, and the queue's
// 'short' policy (a unique index on the appid as singleton key) drops a concurrent second insert.
import type PgBoss from "pg-boss";
import { findDueCredentials } from "./due-credentials";
import { BOSS_SCHEMA, MAX_REFRESHES_PER_TICK, QUEUES, REFRESH_HORIZON_MS } from "./settings";

export type RefreshJobData = { appid: string };

export type EnqueueResult = {
  /** Authorizers due within the horizon. */
  due: number;
  /** Jobs this call created. */
  queued: number;
  /** Due authorizers that already had a job. */
  alreadyQueued: number;
};

const SEND_CONCURRENCY = 20;

async function findAppidsWithLiveJobs({ boss, appids }: { boss: PgBoss; appids: string[] }): Promise<Set<string>> {
  const { rows } = await boss
    .getDb()
    .executeSql(
      `SELECT DISTINCT singleton_key FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state < 'completed' AND singleton_key = ANY($2::text[])`,
      [QUEUES.refreshAuthorizer, appids],
    );
  return new Set(rows.map((row: { singleton_key: string }) => row.singleton_key));
}

export async function enqueueDueRefreshes({ boss, now = new Date() }: { boss: PgBoss; now?: Date }): Promise<EnqueueResult> {
  const due = await findDueCredentials({ until: new Date(now.getTime() + REFRESH_HORIZON_MS), limit: MAX_REFRESHES_PER_TICK });
  if (due.length === 0) return { due: 0, queued: 0, alreadyQueued: 0 };

  const live = await findAppidsWithLiveJobs({ boss, appids: due.map((credential) => credential.appid) });
  const candidates = due.filter((credential) => !live.has(credential.appid));
  let queued = 0;
  for (let start = 0; start < candidates.length; start += SEND_CONCURRENCY) {
    const ids = await Promise.all(
      candidates.slice(start, start + SEND_CONCURRENCY).map(({ appid, refreshAt }) => {
        const data: RefreshJobData = { appid };
        // A token due in 40 s is refreshed in 40 s, not now: an early refresh would find it not due.
        const startAfter = refreshAt && refreshAt > now ? refreshAt : undefined;
        return boss.send(QUEUES.refreshAuthorizer, data, { singletonKey: appid, ...(startAfter ? { startAfter } : {}) });
      }),
    );
    queued += ids.filter((id) => id !== null).length;
  }
  return { due: due.length, queued, alreadyQueued: due.length - queued };
}
