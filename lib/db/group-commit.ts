// Group commit: many callers' rows written by one statement. A caller's promise settles only once the
// statement that holds its row is done (committed, for a statement on its own), so "acknowledge after
// it is durable" still holds per caller. Nothing waits on a timer: the items that arrive in one turn
// of the event loop go together, and while `maxInFlight` statements are out the next ones gather, so
// batches grow with the load and a lone item goes at once.
import { isDatabaseUnavailable } from "./errors";

export type GroupCommit<I, O> = (item: I) => Promise<O>;

type Waiting<I, O> = { item: I; resolve(result: O): void; reject(error: unknown): void };

export function groupCommit<I, O>({
  write,
  maxBatch = 64,
  maxInFlight = 2,
}: {
  /** Writes the items, all or none, and returns one result per item, in their order. */
  write(items: I[]): Promise<O[]>;
  maxBatch?: number;
  maxInFlight?: number;
}): GroupCommit<I, O> {
  const waiting: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || waiting.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };

  /**
   * A batch the database refuses is tried again item by item, so one bad item (text PostgreSQL will
   * not store, say) fails alone, not its neighbours. An unreachable database fails them all at once.
   */
  const run = async (batch: Waiting<I, O>[]) => {
    try {
      const results = await write(batch.map((entry) => entry.item));
      batch.forEach((entry, n) => entry.resolve(results[n]!));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) return batch.forEach((entry) => entry.reject(error));
      for (const entry of batch) await run([entry]);
    }
  };

  const flush = () => {
    scheduled = false;
    while (waiting.length > 0 && inFlight < maxInFlight) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}
