// How every cached credential is refreshed (component_access_token, authorizer tokens,
// jsapi_ticket): N concurrent callers cause one upstream call. Within a process they share one
// promise per key; across processes the credential's row is locked, and what another instance may
// have written meanwhile is checked again under the lock before WeChat is asked.
import type { Prisma } from "../generated/prisma/client";
import { db } from "../db";
import { countTokenRefresh, type RefreshKind } from "../metrics";

/** A function running `run` once per key at a time in this process: callers meanwhile share its promise. */
export function singleFlight<T>(): (key: string, run: () => Promise<T>) => Promise<T> {
  const inflight = new Map<string, Promise<T>>();
  return (key, run) => {
    let pending = inflight.get(key);
    if (!pending) {
      pending = run().finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  };
}

/**
 * One refresh, in one transaction: `lock` reads the credential's row FOR UPDATE (another instance
 * refreshing it waits there), `reuse` returns what is still good in it (that instance may have just
 * refreshed), else `fetch` asks WeChat and `store` writes the answer (with the row's version plus
 * one, where it has one) before the lock is released. Whatever they throw rolls the transaction back.
 * Each call is counted under `kind` (lib/metrics.ts): refreshed, reused or failed by errcode class.
 */
export async function refreshUnderLock<Row, Value, Issued>({
  kind,
  lock,
  reuse,
  fetch,
  store,
}: {
  kind: RefreshKind;
  lock: (tx: Prisma.TransactionClient) => Promise<Row>;
  reuse: (row: Row) => Value | null;
  fetch: (row: Row) => Promise<Issued>;
  store: (tx: Prisma.TransactionClient, row: Row, issued: Issued) => Promise<Value>;
}): Promise<Value> {
  let reused = false;
  try {
    const value = await db().$transaction(
      async (tx) => {
        const row = await lock(tx);
        const current = reuse(row);
        if (current) {
          reused = true;
          return current;
        }
        return store(tx, row, await fetch(row));
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
    countTokenRefresh(kind, reused ? "reused" : "refreshed");
    return value;
  } catch (error) {
    countTokenRefresh(kind, "failed", error);
    throw error;
  }
}
