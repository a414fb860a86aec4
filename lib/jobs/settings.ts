// The background jobs' names and tuning, in one place. pg-boss keeps its tables in its own schema.

export const BOSS_SCHEMA = "pgboss";

export const QUEUES = {
  /** Fired every minute by a pg-boss schedule (one job per minute across all instances). */
  credentialTick: "credential-tick",
  /** One job per authorizer whose access token is due; the singleton key is the authorizer appid. */
  refreshAuthorizer: "refresh-authorizer",
  /** Queued by the tick when pushes may have been lost; one at a time across instances. */
  reconcileAuthorizers: "reconcile-authorizers",
} as const;

export const TICK_CRON = "* * * * *";

/** Authorizer tokens due within this window are queued now, each to start at its own refresh time. */
export const REFRESH_HORIZON_MS = 60 * 1000;

/** At most this many authorizers are queued per tick, most overdue first; the next tick takes the rest. */
export const MAX_REFRESHES_PER_TICK = 2000;

/** Pushes not processed this long after they arrived are processed again by the tick. */
export const PUSH_RETRY_AFTER_MS = 30 * 1000;

/**
 * Refresh throughput per instance: pg-boss waits out its polling interval after every fetch, even a
 * full one, so each of REFRESH_WORKERS fetches REFRESH_BATCH jobs every REFRESH_POLL_SECONDS and runs
 * them side by side: up to 2 × 4 / 0.5 s = 16 refreshes a second, at most 8 at once (each holds one
 * pooled connection while WeChat answers).
 */
export const REFRESH_WORKERS = 2;
export const REFRESH_BATCH = 4;
export const REFRESH_POLL_SECONDS = 0.5;

/** Webhook requests one instance keeps in flight (lib/webhooks/relay.ts); each waits on a receiver. */
export const WEBHOOK_CONCURRENCY = 64;
