// Who took which token: every issuance of the token centre is counted per (key, kind, target) in
// this process's memory and added to api_key_issuances every few seconds, with the keys'
// last_used_at, in two statements whatever the traffic. A request never waits on it: recording is
// a Map update. The counts of each instance add up (the upsert adds), so several instances need
// no coordination. A crash loses at most the last interval's counts; a normal stop flushes them.
import { getDatabase } from "../db";
import type { TokenIssuanceKind } from "../generated/prisma/enums";
import { logger } from "../logger";

export const ISSUANCE_FLUSH_INTERVAL_MS = 5_000;

export type Issuance = { apiKeyId: string; kind: TokenIssuanceKind; target: string; at?: Date };

type Pending = { apiKeyId: string; kind: TokenIssuanceKind; target: string; count: number; firstAt: Date; lastAt: Date };

type Recorder = {
  issuances: Map<string, Pending>;
  lastUsed: Map<string, Date>;
  timer?: NodeJS.Timeout;
  /** The flush running now (flushes take turns, so a flush after a record always includes it). */
  turn: Promise<unknown>;
  shutdownHooked?: boolean;
};

// One per process, across Next.js dev reloads, like the database.
const holder = globalThis as unknown as { __portalIssuance?: Recorder };
const recorder = (): Recorder => (holder.__portalIssuance ??= { issuances: new Map(), lastUsed: new Map(), turn: Promise.resolve() });

/**
 * Under `next start` a SIGTERM/SIGINT closes the server and then exits; the counts are written
 * while it drains. Only there: a handler of ours elsewhere (a script, a test worker) would replace
 * the signal's default of ending the process.
 */
function hookShutdown(state: Recorder): void {
  if (state.shutdownHooked || process.env.NEXT_RUNTIME !== "nodejs") return;
  state.shutdownHooked = true;
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void flushIssuance().catch(() => {}));
}

function ensureTimer(state: Recorder): void {
  if (state.timer) return;
  state.timer = setInterval(() => void flushIssuance().catch(() => {}), ISSUANCE_FLUSH_INTERVAL_MS);
  // Never what keeps a process alive.
  state.timer.unref();
  hookShutdown(state);
}

function addPending(map: Map<string, Pending>, entry: Pending): void {
  const key = `${entry.apiKeyId}\u0000${entry.kind}\u0000${entry.target}`;
  const existing = map.get(key);
  if (!existing) {
    map.set(key, { ...entry });
    return;
  }
  existing.count += entry.count;
  if (entry.firstAt < existing.firstAt) existing.firstAt = entry.firstAt;
  if (entry.lastAt > existing.lastAt) existing.lastAt = entry.lastAt;
}

function noteLastUsed(map: Map<string, Date>, apiKeyId: string, at: Date): void {
  const existing = map.get(apiKeyId);
  if (!existing || at > existing) map.set(apiKeyId, at);
}

/** Counts one token or signature handed to a key. Synchronous: no I/O. */
export function recordIssuance({ apiKeyId, kind, target, at = new Date() }: Issuance): void {
  const state = recorder();
  addPending(state.issuances, { apiKeyId, kind, target, count: 1, firstAt: at, lastAt: at });
  ensureTimer(state);
}

/** Notes that a key was presented and accepted (its last_used_at). Synchronous: no I/O. */
export function recordApiKeyUse({ apiKeyId, at = new Date() }: { apiKeyId: string; at?: Date }): void {
  const state = recorder();
  noteLastUsed(state.lastUsed, apiKeyId, at);
  ensureTimer(state);
}

export type FlushResult = { issuances: number; keys: number };

// Keys deleted meanwhile are skipped (the join), so one vanished key cannot fail the whole batch.
const UPSERT_ISSUANCES = `
  INSERT INTO "api_key_issuances" ("api_key_id", "kind", "target", "count", "first_at", "last_at")
  SELECT u.api_key_id, u.kind::"TokenIssuanceKind", u.target, u.count, u.first_at, u.last_at
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
       AS u(api_key_id, kind, target, count, first_at, last_at)
  JOIN "api_keys" k ON k."id" = u.api_key_id
  ON CONFLICT ("api_key_id", "kind", "target") DO UPDATE SET
    "count" = "api_key_issuances"."count" + EXCLUDED."count",
    "first_at" = LEAST("api_key_issuances"."first_at", EXCLUDED."first_at"),
    "last_at" = GREATEST("api_key_issuances"."last_at", EXCLUDED."last_at")`;

// Never backwards: another instance may have written a later use already.
const UPDATE_LAST_USED = `
  UPDATE "api_keys" k SET "last_used_at" = u.at
  FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
  WHERE k."id" = u.id AND (k."last_used_at" IS NULL OR k."last_used_at" < u.at)`;

async function writeBatch(issuances: Pending[], lastUsed: [string, Date][]): Promise<void> {
  await getDatabase().withSession(async (session) => {
    await session.query("BEGIN");
    try {
      if (issuances.length > 0) {
        await session.query(UPSERT_ISSUANCES, [
          issuances.map((i) => i.apiKeyId),
          issuances.map((i) => i.kind),
          issuances.map((i) => i.target),
          issuances.map((i) => String(i.count)),
          issuances.map((i) => i.firstAt),
          issuances.map((i) => i.lastAt),
        ]);
      }
      if (lastUsed.length > 0) await session.query(UPDATE_LAST_USED, [lastUsed.map(([id]) => id), lastUsed.map(([, at]) => at)]);
      await session.query("COMMIT");
    } catch (error) {
      await session.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
}

async function flushNow(state: Recorder): Promise<FlushResult> {
  if (state.issuances.size === 0 && state.lastUsed.size === 0) return { issuances: 0, keys: 0 };
  const issuances = [...state.issuances.values()];
  const lastUsed = [...state.lastUsed.entries()];
  state.issuances = new Map();
  state.lastUsed = new Map();
  try {
    await writeBatch(issuances, lastUsed);
    return { issuances: issuances.length, keys: lastUsed.length };
  } catch (error) {
    // Put the counts back (with whatever arrived meanwhile): the next flush tries again.
    for (const entry of issuances) addPending(state.issuances, entry);
    for (const [apiKeyId, at] of lastUsed) noteLastUsed(state.lastUsed, apiKeyId, at);
    logger.warn({ err: error, pending: state.issuances.size }, "token centre: could not write API key usage; will retry");
    throw error;
  }
}

/** Writes what has been counted so far (the timer calls this; tests and shutdown call it directly). */
export function flushIssuance(): Promise<FlushResult> {
  const state = recorder();
  const run = state.turn.then(() => flushNow(state));
  state.turn = run.catch(() => {});
  return run;
}

/** Stops the timer and writes what is left (scripts and tests that are done with the token centre). */
export async function stopIssuanceRecorder(): Promise<FlushResult> {
  const state = recorder();
  if (state.timer) clearInterval(state.timer);
  state.timer = undefined;
  return flushIssuance();
}

/** Forgets unwritten counts (tests whose database is gone). */
export function discardPendingIssuance(): void {
  const state = recorder();
  if (state.timer) clearInterval(state.timer);
  state.timer = undefined;
  state.issuances = new Map();
  state.lastUsed = new Map();
}
