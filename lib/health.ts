// The portal's health, for load balancers, uptime monitors and the console. Public: it reports
// times, counts and booleans only, never a token, ticket or secret.
import { getDatabase, type Database } from "./db";
import { getEnv } from "./env";
import { logger } from "./logger";
import { isUsable } from "./credentials/refresh-policy";
import { getRefreshQueueMetrics, type RefreshQueueMetrics } from "./jobs/refresh-queue-metrics";
import { readTicketState } from "./jobs/ticket-watchdog";

export type HealthStatus = "ok" | "degraded" | "down";

export type HealthProblem =
  "database_unreachable" | "ticket_stale" | "component_token_invalid" | "refresh_lagging" | "pushes_stuck" | "check_failed";

export type HealthReport = {
  status: HealthStatus;
  checkedAt: string;
  database: { reachable: boolean; latencyMs: number | null };
  ticket: { receivedAt: string | null; ageSeconds: number | null; stale: boolean } | null;
  componentToken: { expiresAt: string | null; valid: boolean } | null;
  refreshQueue: RefreshQueueMetrics | null;
  pushes: { unprocessed: number; oldestUnprocessedAgeSeconds: number | null } | null;
  /** Why the status is not ok, in a stable vocabulary for alerting. */
  problems: HealthProblem[];
};

/** Past this lag tokens start to be served stale-but-valid from the early-refresh margin. */
export const REFRESH_LAG_LIMIT_SECONDS = 5 * 60;
/** The tick re-processes a push after 30 s, every minute: one still waiting after 5 minutes is stuck. */
export const PUSH_STUCK_AFTER_SECONDS = 5 * 60;
/** A database that takes longer than this to answer SELECT 1 counts as unreachable. */
const DATABASE_TIMEOUT_MS = 3000;

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

async function pingDatabase(database: Database): Promise<{ reachable: boolean; latencyMs: number | null }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
  });
  try {
    await Promise.race([database.prisma.$queryRaw`SELECT 1`, timeout]);
    return { reachable: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    logger.error({ err: error }, "health: database unreachable");
    return { reachable: false, latencyMs: null };
  } finally {
    clearTimeout(timer);
  }
}

async function checkComponentToken(database: Database, now: Date): Promise<NonNullable<HealthReport["componentToken"]>> {
  const row = await database.prisma.component.findUnique({
    where: { appid: getEnv().component.appid },
    select: { accessTokenEnc: true, accessTokenExpiresAt: true },
  });
  const expiresAt = row?.accessTokenExpiresAt ?? null;
  return { expiresAt: expiresAt?.toISOString() ?? null, valid: !!row?.accessTokenEnc && isUsable(expiresAt, now) };
}

async function checkPushes(database: Database, now: Date): Promise<NonNullable<HealthReport["pushes"]>> {
  const where = { componentAppid: getEnv().component.appid, processedAt: null };
  const [unprocessed, oldest] = await Promise.all([
    database.prisma.receivedPush.count({ where }),
    database.prisma.receivedPush.aggregate({ where, _min: { receivedAt: true } }),
  ]);
  const oldestAt = oldest._min.receivedAt;
  return { unprocessed, oldestUnprocessedAgeSeconds: oldestAt ? seconds(now.getTime() - oldestAt.getTime()) : null };
}

function valueOf<T>(result: PromiseSettledResult<T>, check: string): T | null {
  if (result.status === "fulfilled") return result.value;
  logger.error({ err: result.reason, check }, "health: check failed");
  return null;
}

export async function checkHealth({
  database = getDatabase(),
  now = new Date(),
}: { database?: Database; now?: Date } = {}): Promise<HealthReport> {
  const checkedAt = now.toISOString();
  const ping = await pingDatabase(database);
  if (!ping.reachable) {
    return {
      status: "down",
      checkedAt,
      database: ping,
      ticket: null,
      componentToken: null,
      refreshQueue: null,
      pushes: null,
      problems: ["database_unreachable"],
    };
  }

  const [ticketResult, tokenResult, queueResult, pushesResult] = await Promise.allSettled([
    readTicketState({ now }),
    checkComponentToken(database, now),
    getRefreshQueueMetrics({ now }),
    checkPushes(database, now),
  ]);
  const ticketState = valueOf(ticketResult, "ticket");
  const ticket = ticketState && {
    receivedAt: ticketState.receivedAt?.toISOString() ?? null,
    ageSeconds: ticketState.ageMs === null ? null : seconds(ticketState.ageMs),
    stale: ticketState.stale,
  };
  const componentToken = valueOf(tokenResult, "component token");
  const refreshQueue = valueOf(queueResult, "refresh queue");
  const pushes = valueOf(pushesResult, "pushes");

  const problems: HealthProblem[] = [];
  if (!ticket || !componentToken || !refreshQueue || !pushes) problems.push("check_failed");
  if (ticket?.stale) problems.push("ticket_stale");
  if (componentToken && !componentToken.valid) problems.push("component_token_invalid");
  if (refreshQueue && refreshQueue.lagSeconds > REFRESH_LAG_LIMIT_SECONDS) problems.push("refresh_lagging");
  if (pushes && (pushes.oldestUnprocessedAgeSeconds ?? 0) > PUSH_STUCK_AFTER_SECONDS) problems.push("pushes_stuck");

  return {
    status: problems.length === 0 ? "ok" : "degraded",
    checkedAt,
    database: ping,
    ticket,
    componentToken,
    refreshQueue,
    pushes,
    problems,
  };
}

/** 503 only when the portal cannot serve at all; degraded still answers requests. */
export const httpStatusOf = (report: HealthReport): 200 | 503 => (report.status === "down" ? 503 : 200);
