// The reconcile-authorizers job: after pushes may have been lost (lib/authorization/push-gaps.ts),
// bring every account in line with WeChat's list (lib/console/authorizer-sync.ts). The minute tick
// queues it when one is owed; one runs at a time across instances (a 'stately' queue under one
// singleton key: at most one waiting and one running), and a request made while it runs is paid by
// the next run, not this one.
import type PgBoss from "pg-boss";
import { z } from "zod";
import { logger } from "../logger";
import { markReconciled, readOwedReconciliation } from "../authorization/push-gaps";
import { reconcileWithWeChat, type ReconciliationSummary } from "../console/authorizer-sync";
import { BOSS_SCHEMA, QUEUES } from "./settings";

const SINGLETON_KEY = QUEUES.reconcileAuthorizers;

const jobDataSchema = z.object({ reason: z.string().max(64).nullable().catch(null) });

export type ReconcileJobData = z.infer<typeof jobDataSchema>;

export type ReconcileEnqueueResult = { owed: boolean; queued: boolean; reason: string | null };

/** For the tick: queues a reconciliation when one is owed and none is waiting, retrying or running. */
export async function enqueueOwedReconciliation({ boss }: { boss: PgBoss }): Promise<ReconcileEnqueueResult> {
  const owed = await readOwedReconciliation();
  if (!owed) return { owed: false, queued: false, reason: null };
  const { rows } = await boss
    .getDb()
    .executeSql(`SELECT state::text AS state, started_on FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state < 'completed'`, [
      QUEUES.reconcileAuthorizers,
    ]);
  // One waiting (or waiting for its retry) pays the request when it starts; one running pays it only
  // if it started after it, otherwise the next one is queued behind it.
  const covered = (rows as { state: string; started_on: Date | null }[]).some(
    (job) => job.state !== "active" || (job.started_on !== null && new Date(job.started_on) >= owed.requestedAt),
  );
  if (covered) return { owed: true, queued: false, reason: owed.reason };
  const data: ReconcileJobData = { reason: owed.reason };
  // The queue's unique index drops a second waiting job from a tick on another instance.
  const id = await boss.send(QUEUES.reconcileAuthorizers, data, { singletonKey: SINGLETON_KEY });
  if (id) logger.info({ reason: owed.reason, requestedAt: owed.requestedAt }, "reconciliation with WeChat queued");
  return { owed: true, queued: id !== null, reason: owed.reason };
}

export type ReconcileJobOutput = ReconciliationSummary | { outcome: "nothing-owed" };

/** Runs one reconciliation; throws (pg-boss retries with backoff) only when WeChat's list cannot be read. */
export async function handleReconcileAuthorizers(job: PgBoss.Job<unknown>): Promise<ReconcileJobOutput> {
  const { reason } = jobDataSchema.parse(job.data ?? {});
  const startedAt = new Date();
  // Paid meanwhile by another run (a retry of this one after a newer run finished, say).
  const owed = await readOwedReconciliation();
  if (!owed) return { outcome: "nothing-owed" };
  const summary = await reconcileWithWeChat({ reason: owed.reason ?? reason ?? "requested" });
  await markReconciled({ startedAt });
  return summary;
}
