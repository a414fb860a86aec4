// A pool with every connection taken must not make callers wait forever: after the connect timeout
// the request fails as DatabaseUnavailableError and a guarded route answers 503; once connections
// are free again everything works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as readAttempt } from "@/app/api/authorize/attempts/[id]/route";
import { GET as componentToken } from "@/app/api/v1/component/token/route";
import { DatabaseUnavailableError, isDatabaseUnavailable, openDatabase, installDatabase, type Database } from "@/lib/db";
import { guardDatabase } from "@/lib/http";
import { createApiKey } from "@/lib/token-centre/api-keys";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

describe(`a pool with no free connection (${databaseKind})`, () => {
  let t: TestDatabase;
  let small: Database;
  let release: () => void = () => {};
  let holders: Promise<unknown>[] = [];

  let apiKey = "";

  beforeAll(async () => {
    t = await createTestDatabase();
    const created = await createApiKey({
      name: "pool test",
      scope: { component: true, authorizers: "all", readOnly: true },
      actor: { actorType: "system", actorId: "test" },
    });
    apiKey = created.key;
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

  it("answers the portal's own routes 503 instead of hanging: the merchant pages' attempt API and the token centre", async () => {
    installDatabase(small);
    try {
      const attempt = await readAttempt(new Request("http://portal.test/api/authorize/attempts/x"), {
        params: Promise.resolve({ id: "0123456789abcdef0123456789abcdef" }),
      });
      expect(attempt.status).toBe(503);
      const token = await componentToken(
        new Request("http://portal.test/api/v1/component/token", { headers: { authorization: `Bearer ${apiKey}` } }),
      );
      expect(token.status).toBe(503);
      expect(await token.json()).toMatchObject({ error: "unavailable" });
    } finally {
      installDatabase(t.database);
    }
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
