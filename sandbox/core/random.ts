// Deterministic randomness: the same SANDBOX_SEED gives the same accounts and, for the same sequence of
// calls, the same tokens and codes. Each purpose draws from its own stream so that, say, a ticket pushed
// by the timer does not shift the tokens a test receives.
import { createHash } from "node:crypto";

export type Rng = {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  string(length: number, alphabet?: string): string;
  hex(length: number): string;
};

const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function seedToUint32(seed: string): number {
  return createHash("sha256").update(seed).digest().readUInt32BE(0);
}

/** mulberry32: tiny, fast, good enough for fake identifiers (never for secrets that matter). */
export function createRng(seed: string): Rng {
  let state = seedToUint32(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  };
  const string = (length: number, alphabet = URLSAFE): string => {
    let out = "";
    for (let index = 0; index < length; index += 1) out += alphabet[int(alphabet.length)];
    return out;
  };
  return { next, int, pick, string, hex: (length) => string(length, "0123456789abcdef") };
}

export type RngStreams = Record<"accounts" | "tokens" | "codes" | "tickets" | "faults" | "misc", Rng>;

export function createStreams(seed: string): RngStreams {
  return {
    accounts: createRng(`${seed}:accounts`),
    tokens: createRng(`${seed}:tokens`),
    codes: createRng(`${seed}:codes`),
    tickets: createRng(`${seed}:tickets`),
    faults: createRng(`${seed}:faults`),
    misc: createRng(`${seed}:misc`),
  };
}
