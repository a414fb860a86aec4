// The relay: each portal process that runs background work sends the outbox's due deliveries. It
// claims them in batches (deliveries.ts: a lease, SKIP LOCKED, so instances share the work without
// sending one twice at once), keeps up to `concurrency` requests in flight, and looks again as soon
// as one finishes, when the outbox NOTIFYs (a commit that wrote deliveries, a redelivery, an endpoint
// that recovered) or after `pollMs` (retries coming due, a missed notification). A delivery whose
// sender died is claimed again once its lease lapses: at least once, never lost.
//
// Why not a pg-boss job per delivery: measured on this machine (bench/forwarding.ts), its
// insert + fetch + complete per delivery and its poll interval, waited out even after a full fetch,
// kept forwarding lag at 20 s at 100 messages/s; here the outbox row is the queue.
import pg from "pg";
import { logger } from "../logger";
import { observeDeliveryLag } from "../metrics";
import { claimDue, sendClaimed, type ClaimedDelivery } from "./deliveries";
import { DELIVERY_CHANNEL } from "./outbox";

export type Relay = { stop(): Promise<void> };

export type RelayOptions = {
  connectionString: string;
  /** Requests in flight at most (each waits on a receiver, not on this process). */
  concurrency?: number;
  pollMs?: number;
  /**
   * After a wake (a new delivery's NOTIFY, a send that ended), how long to let more wakes gather so
   * that one claim picks them all up: a claim per message would double the hot path's statements.
   */
  gatherMs?: number;
};

const RECONNECT_MS = 2_000;

export function startRelay({ connectionString, concurrency = 64, pollMs = 1_000, gatherMs = 10 }: RelayOptions): Relay {
  let stopped = false;
  let wake: (() => void) | null = null;
  let woken = false;
  const inflight = new Set<Promise<void>>();
  const signal = () => {
    woken = true;
    wake?.();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  // The wake-up call: a connection of its own that LISTENs; polling covers any gap while it reconnects.
  let listener: pg.Client | null = null;
  const listen = async () => {
    if (stopped) return;
    const client = new pg.Client({ connectionString, application_name: "component-portal-relay" });
    client.on("error", () => {});
    client.on("end", () => {
      listener = null;
      if (!stopped) setTimeout(() => void listen(), RECONNECT_MS);
    });
    client.on("notification", signal);
    try {
      await client.connect();
      await client.query(`LISTEN ${DELIVERY_CHANNEL}`);
      listener = client;
      signal();
    } catch (error) {
      logger.warn({ err: error }, "webhook relay: cannot listen for new deliveries; polling meanwhile");
      await client.end().catch(() => {});
    }
  };
  void listen();

  const send = (delivery: ClaimedDelivery) => {
    const work = sendClaimed(delivery)
      .then((outcome) => {
        if (outcome.ok) observeDeliveryLag((Date.now() - delivery.eventCreatedAt.getTime()) / 1000);
      })
      .catch((error: unknown) => logger.error({ err: error, deliveryId: delivery.id }, "webhook relay: a delivery could not be recorded"))
      .finally(() => {
        inflight.delete(work);
        signal();
      });
    inflight.add(work);
  };

  const loop = (async () => {
    while (!stopped) {
      woken = false;
      const room = concurrency - inflight.size;
      if (room > 0) {
        try {
          const claimed = await claimDue({ limit: room });
          for (const delivery of claimed) send(delivery);
          // A full claim: more may be due right now.
          if (claimed.length === room) continue;
        } catch (error) {
          logger.warn({ err: error }, "webhook relay: claiming deliveries failed; trying again");
        }
      }
      await idle();
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, gatherMs));
    }
  })();

  return {
    async stop() {
      stopped = true;
      signal();
      await loop;
      await Promise.allSettled([...inflight]);
      await listener?.end().catch(() => {});
    },
  };
}
