// Starting and stopping the background work of one portal process. Every instance starts the same
// runner; pg-boss makes the minute schedule fire once across all of them and hands each job to one.
import { constants } from "node:os";
import type PgBoss from "pg-boss";
import { configuredDatabaseUrl, getDatabase, type Database } from "../db";
import { logger } from "../logger";
import { detectDowntimeAtStart } from "../authorization/push-gaps";
import { createBoss, ensureQueues } from "./boss";
import { runCredentialTick } from "./credential-tick";
import { handleReconcileAuthorizers } from "./reconcile-authorizers";
import { handleRefreshAuthorizer } from "./refresh-authorizer";
import { startRelay, type Relay } from "../webhooks/relay";
import { QUEUES, REFRESH_BATCH, REFRESH_POLL_SECONDS, REFRESH_WORKERS, TICK_CRON, WEBHOOK_CONCURRENCY } from "./settings";
import { getEnv } from "../env";

export type JobRunner = {
  boss: PgBoss;
  /** Stops fetching, waits up to `timeoutMs` for running jobs, then hands back unfinished ones. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
};

export type StartJobRunnerOptions = {
  database?: Database;
  /** PostgreSQL only; defaults to DATABASE_URL. */
  connectionString?: string;
  /** Register the minute schedule (an idempotent upsert). */
  schedule?: boolean;
  /** Run workers in this process; false leaves queued jobs for other instances (and for tests). */
  work?: boolean;
  /** How often idle workers look for jobs. */
  pollingIntervalSeconds?: number;
};

const DEFAULT_STOP_TIMEOUT_MS = 15_000;

/** One pg-boss instance with the portal's queues, schedule and workers. Not tied to process state. */
export async function startJobRunner({
  database = getDatabase(),
  connectionString,
  schedule = true,
  work = true,
  pollingIntervalSeconds = 2,
}: StartJobRunnerOptions = {}): Promise<JobRunner> {
  const boss = createBoss({ database, connectionString });
  let relay: Relay | undefined;
  boss.on("error", (error) => logger.error({ err: error }, "background jobs: pg-boss error"));
  await boss.start();
  try {
    await ensureQueues(boss);
    // Pushes sent while no instance could store them are gone: the next tick reconciles.
    await detectDowntimeAtStart().catch((error: unknown) => logger.error({ err: error }, "could not check for downtime at start"));
    // The singleton key keeps at most one tick waiting if no worker picks ticks up for a while.
    if (schedule) await boss.schedule(QUEUES.credentialTick, TICK_CRON, {}, { singletonKey: QUEUES.credentialTick });
    if (work) {
      // The tick's summary becomes the job's output: what each minute did, visible in pg-boss's tables.
      await boss.work(QUEUES.credentialTick, { pollingIntervalSeconds }, () => runCredentialTick({ boss }));
      for (let index = 0; index < REFRESH_WORKERS; index += 1) {
        await boss.work(
          QUEUES.refreshAuthorizer,
          { pollingIntervalSeconds: Math.min(pollingIntervalSeconds, REFRESH_POLL_SECONDS), batchSize: REFRESH_BATCH },
          (jobs) => runRefreshBatch(boss, jobs),
        );
      }
      await boss.work(QUEUES.reconcileAuthorizers, { pollingIntervalSeconds }, async ([job]) =>
        job ? handleReconcileAuthorizers(job) : undefined,
      );
    }
    // The outbox's deliveries go out through the relay rather than pg-boss (lib/webhooks/relay.ts says why).
    if (work) relay = startRelay({ connectionString: connectionString ?? configuredDatabaseUrl(), concurrency: WEBHOOK_CONCURRENCY });
  } catch (error) {
    // A half-started pg-boss keeps its timers running: take it down before reporting the failure.
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw error;
  }
  return {
    boss,
    stop: async ({ timeoutMs = DEFAULT_STOP_TIMEOUT_MS } = {}) => {
      await relay?.stop();
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    },
  };
}

/**
 * A batch of refresh jobs side by side, each settled on its own: completed with its output, or failed
 * (pg-boss retries it with backoff). pg-boss's own completion of the batch afterwards then finds no
 * job still active, so one failure never completes or fails the others.
 */
async function runRefreshBatch(boss: PgBoss, jobs: PgBoss.Job<unknown>[]): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        const output = await handleRefreshAuthorizer(job);
        await boss.complete(QUEUES.refreshAuthorizer, job.id, output);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await boss
          .fail(QUEUES.refreshAuthorizer, job.id, { message })
          .catch((failure: unknown) => logger.error({ err: failure, jobId: job.id }, "refresh job could not be marked failed"));
      }
    }),
  );
}

type ProcessJobs = { runner?: Promise<JobRunner>; signalsInstalled?: boolean };
const holder = globalThis as unknown as { __portalJobs?: ProcessJobs };
const state = (): ProcessJobs => (holder.__portalJobs ??= {});

/**
 * On SIGTERM/SIGINT stop fetching new jobs and let running ones finish. Under `next start` Next.js
 * exits on its own once requests drain; elsewhere (a script) nothing else would end the process, so
 * it exits after the stop with the conventional 128 + signal code (process.exit, not a re-raised
 * signal, so pino's exit hook still writes the last lines). A job cut short stays safe: pg-boss
 * retries it, and the refresh it does re-checks under a row lock.
 */
function installSignalHandlers(): void {
  if (state().signalsInstalled) return;
  state().signalsInstalled = true;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void stopJobs()
        .catch((error: unknown) => logger.error({ err: error }, "background jobs did not stop cleanly"))
        .finally(() => {
          if (process.listenerCount(signal) === 0) process.exit(128 + (constants.signals[signal] ?? 0));
        });
    });
  }
}

/** Starts this process's background jobs once (unless JOBS_ENABLED=false). */
export async function startJobs(options: Omit<StartJobRunnerOptions, "schedule" | "work"> = {}): Promise<JobRunner | undefined> {
  if (!getEnv().jobsEnabled) {
    logger.info("JOBS_ENABLED=false: this process runs no background jobs");
    return undefined;
  }
  const current = state();
  if (!current.runner) {
    current.runner = startJobRunner(options);
    current.runner.catch(() => {
      current.runner = undefined;
    });
  }
  const runner = await current.runner;
  installSignalHandlers();
  logger.info({ queues: Object.values(QUEUES) }, "background jobs started");
  return runner;
}

/** Stops this process's background jobs, if they run. */
export async function stopJobs(options: { timeoutMs?: number } = {}): Promise<void> {
  const current = state();
  const pending = current.runner;
  if (!pending) return;
  current.runner = undefined;
  const runner = await pending.catch(() => undefined);
  if (!runner) return;
  await runner.stop(options);
  logger.info("background jobs stopped");
}

/** The pg-boss instance of this process's jobs, when they run. */
export async function getRunningBoss(): Promise<PgBoss | undefined> {
  return (await state().runner?.catch(() => undefined))?.boss;
}
