// The jobs that send deliveries: inserted by pg-boss inside the caller's transaction (its `db`
// option), so a delivery row and its job commit together. Any process may enqueue, also one that runs
// no workers; a database whose pg-boss schema does not exist yet (no instance has started its jobs)
// gets none, and the tick's sweep queues those deliveries once it does (worker.ts).
import type PgBoss from "pg-boss";
import { createBoss } from "../jobs/boss";
import { QUEUES } from "../jobs/settings";
import { getDatabase } from "../db";
import type { Tx } from "./outbox";

export type DeliveryJob = { deliveryId: string };

let producerBoss: PgBoss | undefined;
/** When the queue was last found missing; Infinity once it exists (it never goes away). */
let queueCheckedAt: number | undefined;

/** A pg-boss instance that is never started: it only writes jobs through the transaction it is given. */
const producer = () => (producerBoss ??= createBoss({ database: getDatabase() }));

const RECHECK_MS = 10_000;

async function queueReady(tx: Tx): Promise<boolean> {
  if (queueCheckedAt === Infinity) return true;
  if (queueCheckedAt !== undefined && Date.now() - queueCheckedAt < RECHECK_MS) return false;
  const [row] = await tx.$queryRaw<{ ready: boolean }[]>`SELECT to_regclass('pgboss.queue') IS NOT NULL AS ready`;
  queueCheckedAt = row?.ready ? Infinity : Date.now();
  return row?.ready ?? false;
}

/** pg-boss's SQL run on the caller's transaction. */
const through = (tx: Tx): PgBoss.Db => ({
  executeSql: async (text, values) => ({
    rows: await tx.$queryRawUnsafe<unknown[]>(text, ...values.map((value: unknown) => (value === undefined ? null : value))),
  }),
});

export async function enqueueDeliveries(tx: Tx, jobs: readonly { deliveryId: string; startAfter: Date }[]): Promise<void> {
  if (jobs.length === 0 || !(await queueReady(tx))) return;
  await producer().insert(
    jobs.map(({ deliveryId, startAfter }) => ({
      name: QUEUES.webhookDelivery,
      data: { deliveryId } satisfies DeliveryJob,
      startAfter: startAfter.toISOString(),
    })),
    { db: through(tx) },
  );
}

/** Tests: forget whether the queue exists (a new database). */
export function resetQueueCheck(): void {
  queueCheckedAt = undefined;
}
