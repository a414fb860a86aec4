// The minute tick: everything that keeps credentials alive without a request asking for them.
// Each step runs even when an earlier one failed; a failure is logged and reported, never thrown,
// so one broken piece (WeChat unreachable, say) cannot stop the others.
import type PgBoss from "pg-boss";
import { logger } from "../logger";
import { processPendingPushes } from "../authorization/pushes";
import { getComponentAccessToken } from "../credentials/component-token";
import { CredentialError } from "../credentials/errors";
import { enqueueDueRefreshes, type EnqueueResult } from "./enqueue-refreshes";
import { enqueueOwedReconciliation, type ReconcileEnqueueResult } from "./reconcile-authorizers";
import { PUSH_RETRY_AFTER_MS } from "./settings";
import { runTicketWatchdog, type WatchdogResult } from "./ticket-watchdog";
import { expireAbandonedAttempts } from "../authorization/attempts";

export type StepResult<T> = { ok: true; value: T } | { ok: false; error: string };

export type TickResult = {
  ticket: StepResult<WatchdogResult>;
  componentToken: StepResult<{ expiresAt: Date; version: number }>;
  refreshes: StepResult<EnqueueResult>;
  pushesProcessed: StepResult<number>;
  reconciliation: StepResult<ReconcileEnqueueResult>;
  /** Attempts nobody came back to, marked expired (and announced as authorization_link.failed). */
  attemptsExpired: StepResult<number>;
};

async function runStep<T>(step: string, fn: () => Promise<T>): Promise<StepResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A credential problem (no ticket yet, say) is a state already reported elsewhere, not a fault here.
    if (error instanceof CredentialError) logger.warn({ step, code: error.code }, `credential tick: ${step}: ${message}`);
    else logger.error({ err: error, step }, `credential tick: ${step} failed`);
    return { ok: false, error: message };
  }
}

/** One tick. The schedule runs it every minute; tests and benchmarks call it directly. */
export async function runCredentialTick({ boss, now = new Date() }: { boss: PgBoss; now?: Date }): Promise<TickResult> {
  // The watchdog first: if the ticket is gone, the token refresh below is bound to fail.
  const ticket = await runStep("ticket watchdog", () => runTicketWatchdog({ now }));
  // getComponentAccessToken refreshes only when the token is due; otherwise it reads the row.
  const componentToken = await runStep("component token", async () => {
    const token = await getComponentAccessToken();
    return { expiresAt: token.expiresAt, version: token.version };
  });
  const refreshes = await runStep("authorizer refresh queue", () => enqueueDueRefreshes({ boss, now }));
  const pushesProcessed = await runStep("pending pushes", () => processPendingPushes({ olderThanMs: PUSH_RETRY_AFTER_MS }));
  // Last: what the pushes above did is already applied when WeChat's list is read.
  const reconciliation = await runStep("reconciliation", () => enqueueOwedReconciliation({ boss }));
  const attemptsExpired = await runStep("attempt expiry", () => expireAbandonedAttempts({ now }));
  return { ticket, componentToken, refreshes, pushesProcessed, reconciliation, attemptsExpired };
}
