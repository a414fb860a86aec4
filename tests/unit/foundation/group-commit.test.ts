// Group commit (lib/db/group-commit.ts): how items gather into statements, that each caller gets its
// own result only once its statement is done, and what a failing statement does to its neighbours.
import { describe, expect, it } from "vitest";
import { groupCommit } from "@/lib/db/group-commit";
import { DatabaseUnavailableError } from "@/lib/db/errors";

/** A write that records its batches and finishes each one only when the test says so. */
function heldWrites(fail?: (items: number[]) => Error | undefined) {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      pending.push(() => {
        const error = fail?.(items);
        if (error) reject(error);
        else resolve(items.map((n) => `stored ${n}`));
      });
    });
  const turn = () => new Promise((r) => setImmediate(r));
  /** Lets every statement started so far finish, then the turns their callers need. */
  const finishAll = async () => {
    while (pending.length > 0) pending.shift()!();
    await turn();
    await turn();
  };
  return { batches, write, finishAll, turn };
}

describe("group commit", () => {
  it("sends a lone item at once, and what arrives while statements are out in the next ones, each caller getting its own result after its statement", async () => {
    const held = heldWrites();
    const store = groupCommit({ write: held.write, maxInFlight: 1 });
    const first = store(1);
    await held.turn();
    expect(held.batches).toEqual([[1]]);
    // While [1] is out, four more arrive: they wait, then go together.
    const later = [2, 3, 4, 5].map((n) => store(n));
    await held.turn();
    expect(held.batches).toEqual([[1]]);
    let settled = false;
    void first.then(() => (settled = true));
    await held.turn();
    expect(settled).toBe(false);
    await held.finishAll();
    expect(await first).toBe("stored 1");
    expect(held.batches).toEqual([[1], [2, 3, 4, 5]]);
    await held.finishAll();
    expect(await Promise.all(later)).toEqual(["stored 2", "stored 3", "stored 4", "stored 5"]);
  });

  it("keeps at most maxInFlight statements out and no more than maxBatch items in one", async () => {
    const held = heldWrites();
    const store = groupCommit({ write: held.write, maxInFlight: 2, maxBatch: 3 });
    const all = Array.from({ length: 10 }, (_, n) => store(n));
    await held.turn();
    expect(held.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await held.finishAll();
    expect(held.batches.slice(2)).toEqual([[6, 7, 8], [9]]);
    await held.finishAll();
    expect(await Promise.all(all)).toEqual(Array.from({ length: 10 }, (_, n) => `stored ${n}`));
  });

  it("tries a refused batch again item by item, so only the bad item fails", async () => {
    const held = heldWrites((items) => (items.includes(3) ? new Error("invalid input syntax") : undefined));
    const store = groupCommit({ write: held.write, maxInFlight: 1 });
    const lone = store(0);
    await held.turn();
    const together = [1, 2, 3, 4].map((n) => store(n).catch((error: Error) => error.message));
    for (let i = 0; i < 8; i++) await held.finishAll();
    expect(await lone).toBe("stored 0");
    expect(await Promise.all(together)).toEqual(["stored 1", "stored 2", "invalid input syntax", "stored 4"]);
    expect(held.batches).toEqual([[0], [1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it("fails every item of a batch at once when the database cannot be reached, without trying each", async () => {
    const held = heldWrites(() => new DatabaseUnavailableError(new Error("ECONNREFUSED")));
    const store = groupCommit({ write: held.write, maxInFlight: 1 });
    const lone = store(0).catch((error: Error) => error.name);
    await held.turn();
    const together = [1, 2, 3].map((n) => store(n).catch((error: Error) => error.name));
    for (let i = 0; i < 4; i++) await held.finishAll();
    expect(await lone).toBe("DatabaseUnavailableError");
    expect(await Promise.all(together)).toEqual(Array(3).fill("DatabaseUnavailableError"));
    expect(held.batches).toEqual([[0], [1, 2, 3]]);
  });
});
