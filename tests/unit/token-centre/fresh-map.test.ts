// FreshMap, the token centre's memory: what it keeps, what a notice drops, and that a read which
// overlapped a notice about its key is answered but not kept. Reads are promises the test settles.
import { describe, expect, it } from "vitest";
import { FreshMap } from "@/lib/token-centre/memory";

type Value = { id: string; version: number };

/** A read the test answers when it wants: the notice can land while it runs. */
function deferred() {
  let resolve!: (value: Value) => void;
  const promise = new Promise<Value>((r) => (resolve = r));
  return { promise, resolve };
}

const always = () => true;

describe("FreshMap", () => {
  it("keeps what it read and serves it until a notice about it", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    let reads = 0;
    const load = async () => ({ id: "a", version: ++reads });
    expect(await map.fill("k", load, always)).toEqual({ id: "a", version: 1 });
    expect(map.get("k")).toEqual({ id: "a", version: 1 });
    map.notice("other");
    expect(map.get("k")).toEqual({ id: "a", version: 1 });
    map.notice("k");
    expect(map.get("k")).toBeUndefined();
    expect(await map.fill("k", load, always)).toEqual({ id: "a", version: 2 });
  });

  it("answers but does not keep a read that overlapped a notice about its key", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    const read = deferred();
    const filling = map.fill("k", () => read.promise, always);
    map.notice("k");
    read.resolve({ id: "a", version: 1 });
    expect(await filling).toEqual({ id: "a", version: 1 });
    expect(map.get("k")).toBeUndefined();
  });

  it("keeps a read that overlapped a notice about another key, or one whose `drops` spares it", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    const read = deferred();
    const filling = map.fill("k", () => read.promise, always);
    map.notice("other");
    map.notice(undefined, (value) => value.id === "b");
    read.resolve({ id: "a", version: 1 });
    await filling;
    expect(map.get("k")).toEqual({ id: "a", version: 1 });
  });

  it("drops, and refuses to keep, every value a keyless notice names", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    await map.fill("h1", async () => ({ id: "a", version: 1 }), always);
    await map.fill("h2", async () => ({ id: "b", version: 1 }), always);
    const read = deferred();
    const filling = map.fill("h3", () => read.promise, always);
    map.notice(undefined, (value) => value.id === "a");
    read.resolve({ id: "a", version: 1 });
    await filling;
    expect(map.get("h1")).toBeUndefined();
    expect(map.get("h2")).toEqual({ id: "b", version: 1 });
    expect(map.get("h3")).toBeUndefined();
  });

  it("forgets everything on clear, reads under way included", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    await map.fill("k", async () => ({ id: "a", version: 1 }), always);
    const read = deferred();
    const filling = map.fill("j", () => read.promise, always);
    map.clear();
    read.resolve({ id: "b", version: 1 });
    await filling;
    expect(map.size).toBe(0);
  });

  it("shares one read among concurrent callers, but not across a notice", async () => {
    const map = new FreshMap<Value>({ maxEntries: 10, ttlMs: 60_000 });
    const first = deferred();
    const second = deferred();
    const reads = [first, second];
    let started = 0;
    const load = () => reads[started++]!.promise;
    const a = map.fill("k", load, always);
    const b = map.fill("k", load, always);
    expect(started).toBe(1);
    map.notice("k");
    const c = map.fill("k", load, always);
    expect(started).toBe(2);
    first.resolve({ id: "old", version: 1 });
    second.resolve({ id: "new", version: 2 });
    expect(await a).toBe(await b);
    expect((await c).id).toBe("new");
    expect(map.get("k")).toEqual({ id: "new", version: 2 });
  });

  it("keeps nothing `keep` refuses, nothing older than the TTL, nothing no longer servable, and at most maxEntries", async () => {
    const map = new FreshMap<Value>({ maxEntries: 2, ttlMs: 1_000 });
    await map.fill(
      "refused",
      async () => ({ id: "a", version: 1 }),
      () => false,
    );
    expect(map.get("refused")).toBeUndefined();

    await map.fill("k", async () => ({ id: "a", version: 1 }), always);
    expect(map.get("k", always, Date.now() + 999)).toBeDefined();
    expect(map.get("k", always, Date.now() + 1_000)).toBeUndefined();

    await map.fill("k", async () => ({ id: "a", version: 1 }), always);
    expect(map.get("k", (value) => value.version > 1)).toBeUndefined();
    expect(map.get("k")).toBeUndefined();

    for (const k of ["x", "y", "z"]) await map.fill(k, async () => ({ id: k, version: 1 }), always);
    expect(map.size).toBe(2);
    expect(map.get("x")).toBeUndefined();
    expect(map.get("z")).toEqual({ id: "z", version: 1 });
  });
});
