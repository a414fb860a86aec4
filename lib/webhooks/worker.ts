// The delivery workers: each pg-boss job is one attempt of one delivery, taken when it is due. A job
// finding its delivery already sent, not due yet (a later job exists for that) or gone completes;
// one finding another sender on it fails, so pg-boss brings it back after that sender's claim. The
// minute tick sweeps deliveries left without a job (written while pg-boss's schema did not exist, or
// a job lost with its worker past pg-boss's retries) back into the queue.
import type PgBoss from "pg-boss";
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { QUEUES } from "../jobs/settings";
import { attemptDelivery } from "./deliveries";
import { enqueueDeliveries, type DeliveryJob } from "./queue";

export class DeliveryBusy extends Error {
  constructor(deliveryId: string) {
    super(`delivery ${deliveryId} is being sent by another worker`);
    this.name = "DeliveryBusy";
  }
}

export type DeliveryJobOutput = { deliveryId: string; result: "delivered" | "failed" | "not_pending" | "not_due" };

export async function handleDeliveryJob(
  job: PgBoss.Job<DeliveryJob>,
  { now = new Date() }: { now?: Date } = {},
): Promise<DeliveryJobOutput> {
  const { deliveryId } = job.data;
  const outcome = await attemptDelivery(deliveryId, { now, dueOnly: true });
  if ("skipped" in outcome) {
    if (outcome.skipped === "busy") throw new DeliveryBusy(deliveryId);
    return { deliveryId, result: outcome.skipped };
  }
  return { deliveryId, result: outcome.ok ? "delivered" : "failed" };
}

/** A batch side by side, each settled on its own (as the refresh batches in lib/jobs/runner.ts). */
export async function runDeliveryBatch(boss: PgBoss, jobs: PgBoss.Job<DeliveryJob>[]): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      try {
        await boss.complete(QUEUES.webhookDelivery, job.id, await handleDeliveryJob(job));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!(error instanceof DeliveryBusy)) logger.error({ err: error, jobId: job.id }, "webhook delivery job failed");
        await boss
          .fail(QUEUES.webhookDelivery, job.id, { message })
          .catch((failure: unknown) => logger.error({ err: failure, jobId: job.id }, "webhook delivery job could not be marked failed"));
      }
    }),
  );
}

/** A pending delivery this long overdue and unclaimed has lost its job. */
export const SWEEP_OVERDUE_MS = 2 * 60_000;
const SWEEP_BATCH = 1_000;

/** The tick's step: overdue pending deliveries nobody holds get a job again. Returns how many. */
export async function sweepOverdueDeliveries({ now = new Date() }: { now?: Date } = {}): Promise<number> {
  const overdue = new Date(now.getTime() - SWEEP_OVERDUE_MS);
  return db().$transaction(async (tx) => {
    const rows = await tx.webhookDelivery.findMany({
      where: {
        componentAppid: getEnv().component.appid,
        status: "pending",
        nextAttemptAt: { lt: overdue },
        OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
      },
      select: { id: true },
      orderBy: { nextAttemptAt: "asc" },
      take: SWEEP_BATCH,
    });
    if (rows.length === 0) return 0;
    // Pushed forward so the next sweep does not queue them again while these jobs wait.
    await tx.webhookDelivery.updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { nextAttemptAt: now } });
    await enqueueDeliveries(
      tx,
      rows.map((row) => ({ deliveryId: row.id, startAfter: now })),
    );
    return rows.length;
  });
}
