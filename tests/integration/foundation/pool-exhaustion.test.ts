// A pool with every connection taken must not make callers wait forever: after the connect timeout
// the request fails as DatabaseUnavailableError and a guarded route answers 503; once connections
// are free again everything works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseUnavailableError, isDatabaseUnavailable, openDatabase, type Database } from "@/lib/db";
import { guardDatabase } from "@/lib/http";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

describe(`a pool with no free connection (${databaseKind})`, () => {
  let t: TestDatabase;
  let small: Database;
  let release: () => void = () => {};
  let holders: Promise<unknown>[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    small = openDatabase({ url: t.url, max: 2, connectTimeoutMs: 200 });
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Take both connections and keep them until the gate opens.
    let taken = 0;
    const allTaken = new Promise<void>((resolve) => {
      holders = [0, 1].map(() =>
        small.withSession(async (session) => {
          await session.query("SELECT 1");
          if (++taken === 2) resolve();
          await gate;
        }),
      );
    });
    await allTaken;
  });

  afterAll(async () => {
    release();
    await Promise.all(holders);
    await small.close();
    await t.drop();
  });

  it("fails a raw session with DatabaseUnavailableError instead of waiting", async () => {
    await expect(small.withSession((session) => session.query("SELECT 1"))).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it("fails a Prisma query with an error recognised as unavailability", async () => {
    const error = await small.prisma.authorizer.count().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("answers a guarded route 503 with Retry-After, and the pool serves again once connections are free", async () => {
    const route = guardDatabase(async () => Response.json({ count: await small.prisma.authorizer.count() }));
    const refused = await route();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: "unavailable" });

    release();
    await Promise.all(holders);
    const served = await route();
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ count: 0 });
  });

  it("still throws errors that are not about reaching the database", async () => {
    const route = guardDatabase(async () => {
      throw new Error("a bug");
    });
    await expect(route()).rejects.toThrow("a bug");
  });
});
