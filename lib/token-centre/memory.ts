// What the token centre serves without a database round trip: API key checks and decrypted tokens,
// kept per database handle (one per process in production; tests open two to play two instances).
// A value is served from memory only while it can be proven fresh:
// - the change listener is listening (change-listener.ts); losing it, or connecting again, drops
//   everything, since changes committed meanwhile were not heard;
// - no change to its row has been announced since it was read: a notice drops it, and a read that
//   overlapped a notice about it is answered but not kept (it may have read the row before the change);
// - it is younger than its TTL, the backstop should a notice ever be missed;
// - for tokens, it is not yet in its refresh window (the caller refreshes through the database then).
import type { Database } from "../db";
import { getDatabase } from "../db";
import type { KeyCheck } from "./api-keys";
import { ChangeListener, type ChangeNotice } from "./change-listener";

/** API keys: a revocation a notice failed to bring is seen within this at the latest. */
export const KEY_TTL_MS = 30_000;
export const TOKEN_TTL_MS = 60_000;
const MAX_KEYS = 10_000;
const MAX_TOKENS = 100_000;

type Notice<V> = { seq: number; key?: string; drops: (value: V) => boolean };

/**
 * Values filled from the database and dropped by notices. `fill` coalesces concurrent reads of one
 * key (a cold burst costs one read), except across a notice: a read asked for after a notice never
 * joins one that started before it.
 */
export class FreshMap<V> {
  #entries = new Map<string, { value: V; filledAt: number }>();
  #inflight = new Map<string, Promise<V>>();
  /** Notices that arrived while reads were running; emptied when none runs. */
  #recent: Notice<V>[] = [];
  #seq = 0;
  #filling = 0;

  constructor(private readonly limits: { maxEntries: number; ttlMs: number }) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The kept value, if it is younger than the TTL and still `servable`; otherwise it is forgotten. */
  get(key: string, servable: (value: V) => boolean = () => true, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (now - entry.filledAt < this.limits.ttlMs && servable(entry.value)) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** A change: drops what it concerns (`key`, or every value `drops` names when there is no key). */
  notice(key: string | undefined, drops: (value: V) => boolean = () => true): void {
    this.#seq++;
    if (this.#filling > 0) this.#recent.push({ seq: this.#seq, key, drops });
    if (key !== undefined) {
      const entry = this.#entries.get(key);
      if (entry && drops(entry.value)) this.#entries.delete(key);
      return;
    }
    for (const [k, entry] of this.#entries) if (drops(entry.value)) this.#entries.delete(k);
  }

  /** Forgets everything, reads under way included. */
  clear(): void {
    this.notice(undefined);
    this.#entries.clear();
  }

  /** Reads `key` with `load`; keeps the answer if `keep(value)` and no notice about it came meanwhile. */
  fill(key: string, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    const flight = `${key}\u0000${this.#seq}`;
    let pending = this.#inflight.get(flight);
    if (pending) return pending;
    const startedAt = this.#seq;
    this.#filling++;
    pending = load()
      .then((value) => {
        const overlapped = this.#recent.some((n) => n.seq > startedAt && (n.key === undefined || n.key === key) && n.drops(value));
        if (!overlapped && keep(value)) this.#set(key, value);
        return value;
      })
      .finally(() => {
        this.#inflight.delete(flight);
        if (--this.#filling === 0) this.#recent = [];
      });
    this.#inflight.set(flight, pending);
    return pending;
  }

  #set(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.limits.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, filledAt: Date.now() });
  }
}

/** What the memory heard: a change, or the listener lost or (re)established. */
export type MemoryEvent = ChangeNotice | { kind: "reset"; listening: boolean };

/** A token as served: its value, version, times, and the answer's JSON (checked against its schema once). */
export type ServedToken = { token: string; version: number; expiresAt: Date; refreshAt: Date; body: string };

export type TokenCentreMemory = {
  listener: ChangeListener;
  /** By the SHA-256 of the key: what checking it answered, with the row's id (notices name the id). */
  keys: FreshMap<{ id: string; check: KeyCheck }>;
  /** "component:<appid>" and "authorizer:<appid>". */
  tokens: FreshMap<ServedToken>;
  /** Called with every notice and reset after it is applied (tests wait on them: heardChange). */
  observers: Set<(event: MemoryEvent) => void>;
};

export const componentEntry = (appid: string) => `component:${appid}`;
export const authorizerEntry = (appid: string) => `authorizer:${appid}`;

function apply(memory: TokenCentreMemory, notice: ChangeNotice): void {
  if (notice.kind === "api_key") memory.keys.notice(undefined, (value) => value.id === notice.id);
  else if (notice.kind === "component") memory.tokens.notice(componentEntry(notice.appid));
  else memory.tokens.notice(authorizerEntry(notice.appid));
}

// One per database handle, across Next.js bundles (the route bundles each load this module).
const holder = globalThis as unknown as { __portalTokenCentreMemory?: WeakMap<Database, TokenCentreMemory> };
const memories = () => (holder.__portalTokenCentreMemory ??= new WeakMap());

/** The memory of `database` (the process's by default), its listener started on first use. */
export function tokenCentreMemory(database: Database = getDatabase()): TokenCentreMemory {
  const existing = memories().get(database);
  if (existing) return existing;
  const memory: TokenCentreMemory = {
    keys: new FreshMap({ maxEntries: MAX_KEYS, ttlMs: KEY_TTL_MS }),
    tokens: new FreshMap({ maxEntries: MAX_TOKENS, ttlMs: TOKEN_TTL_MS }),
    observers: new Set(),
    listener: new ChangeListener(
      { url: database.url },
      {
        onNotice: (notice) => {
          apply(memory, notice);
          for (const observe of memory.observers) observe(notice);
        },
        onReset: (listening) => {
          memory.keys.clear();
          memory.tokens.clear();
          for (const observe of memory.observers) observe({ kind: "reset", listening });
        },
      },
    ),
  };
  memories().set(database, memory);
  memory.listener.start();
  return memory;
}

/** Stops the listener of `database` and forgets its memory (tests and scripts done with it). */
export async function stopTokenCentreMemory(database: Database = getDatabase()): Promise<void> {
  const memory = memories().get(database);
  if (!memory) return;
  memories().delete(database);
  await memory.listener.stop();
}

/** Resolves with the first event `matches` accepts, once its drops are applied (register before the change). */
export function heardChange(matches: (event: MemoryEvent) => boolean, database: Database = getDatabase()): Promise<MemoryEvent> {
  const memory = tokenCentreMemory(database);
  return new Promise((resolve) => {
    const observe = (event: MemoryEvent) => {
      if (!matches(event)) return;
      memory.observers.delete(observe);
      resolve(event);
    };
    memory.observers.add(observe);
  });
}

/** Resolves once the listener of `database` is listening (started if need be). */
export async function untilListening(database: Database = getDatabase()): Promise<void> {
  const memory = tokenCentreMemory(database);
  if (memory.listener.listening) return;
  await heardChange((event) => event.kind === "reset" && event.listening, database);
}
