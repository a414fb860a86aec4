// How far behind the background refresh is: the lag of the most overdue active credential, how many
// are due now and how many refresh jobs wait. Read straight from the database, so it is true on any
// instance, including one that runs no jobs itself.
import { db } from "../db";
import { activeCredentialWhere } from "./due-credentials";
import { BOSS_SCHEMA, QUEUES } from "./settings";

export type RefreshQueueMetrics = {
  /** now - the oldest refresh time still in the past; 0 when nothing is overdue. */
  lagSeconds: number;
  /** Active credentials due now (or without an access token). */
  due: number;
  /** refresh-authorizer jobs waiting or retrying; null before pg-boss created its tables. */
  queued: number | null;
};

async function countQueuedRefreshes(): Promise<number | null> {
  const [installed] = await db().$queryRaw<{ installed: boolean }[]>`
    SELECT to_regclass(${`${BOSS_SCHEMA}.job`}) IS NOT NULL AS installed`;
  if (!installed?.installed) return null;
  const [row] = await db().$queryRawUnsafe<{ count: number }[]>(
    `SELECT count(*)::int AS count FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state < 'active'`,
    QUEUES.refreshAuthorizer,
  );
  return row?.count ?? 0;
}

export async function getRefreshQueueMetrics({ now = new Date() }: { now?: Date } = {}): Promise<RefreshQueueMetrics> {
  const active = activeCredentialWhere();
  const [overdue, due, queued] = await Promise.all([
    db().authorizerCredential.aggregate({ where: { ...active, accessTokenRefreshAt: { lt: now } }, _min: { accessTokenRefreshAt: true } }),
    db().authorizerCredential.count({ where: { ...active, OR: [{ accessTokenRefreshAt: null }, { accessTokenRefreshAt: { lte: now } }] } }),
    countQueuedRefreshes(),
  ]);
  const oldest = overdue._min.accessTokenRefreshAt;
  const lagSeconds = oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0;
  return { lagSeconds, due, queued };
}
