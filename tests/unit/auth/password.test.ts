// Password checks are bounded: a flood runs a few at a time behind a short queue, and the rest are
// refused at once as busy instead of piling CPU work onto the event loop.
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { PasswordCheckBusy, verifyPassword } from "@/lib/auth/password";

describe("password checks under a flood", () => {
  it("refuses checks beyond the queue as busy, and answers the rest correctly", async () => {
    const hash = await bcrypt.hash("right", 4);
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => verifyPassword(i % 2 ? "right" : "wrong", hash)));
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(PasswordCheckBusy);
    const answered = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [[i, o.value] as const] : []));
    expect(answered.length).toBeGreaterThanOrEqual(32);
    for (const [i, value] of answered) expect(value).toBe(i % 2 === 1);
    // Once the flood has drained, checks are accepted again.
    expect(await verifyPassword("right", hash)).toBe(true);
  });
});
