// Deterministic randomness: the same SANDBOX_SEED gives the same accounts and, for the same sequence of
// calls, the same tokens and codes. Each purpose draws from its own stream so that, say, a ticket pushed
// by the timer does not shift the tokens a test receives.
// A sandbox with a state file outlives its process, and a portal remembers what it was given: there the
// streams come from fresh entropy instead (createEntropyStreams), so a restart never mints a value again.
import { createHash, randomInt } from "node:crypto";

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
  return buildRng(next, (maxExclusive) => Math.floor(next() * maxExclusive));
}

/** randomInt's widest range (max - min must be below 2^48). */
const ENTROPY_RANGE = 2 ** 48 - 1;

/** The operating system's CSPRNG: nothing to replay, whatever happened to the process or its state file. */
export function createEntropyRng(): Rng {
  return buildRng(
    () => randomInt(ENTROPY_RANGE) / ENTROPY_RANGE,
    (maxExclusive) => randomInt(maxExclusive),
  );
}

function buildRng(next: () => number, int: (maxExclusive: number) => number): Rng {
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

const STREAMS = ["accounts", "tokens", "codes", "tickets", "faults", "misc"] as const;

export type RngStreams = Record<(typeof STREAMS)[number], Rng>;

export function createStreams(seed: string): RngStreams {
  return Object.fromEntries(STREAMS.map((name) => [name, createRng(`${seed}:${name}`)])) as RngStreams;
}

export function createEntropyStreams(): RngStreams {
  return Object.fromEntries(STREAMS.map((name) => [name, createEntropyRng()])) as RngStreams;
}
