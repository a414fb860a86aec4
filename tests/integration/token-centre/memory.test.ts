// The token centre's memory across instances: two database handles on one database play two
// portal instances (each has its own memory and its own listening session). What one instance
// writes or invalidates, the other stops serving once it hears the commit; what nobody announced
// (a write with the triggers switched off) is served from memory until the listener reconnects,
// the TTL passes or the token enters its refresh window.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { markAuthorizerRevoked } from "@/lib/authorization/status";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { replaceRejectedComponentToken } from "@/lib/credentials/component-token";
import { installDatabase, openDatabase, type Database } from "@/lib/db";
import { revokeApiKey } from "@/lib/token-centre/api-keys";
import { discardPendingIssuance } from "@/lib/token-centre/issuance";
import { heardChange, KEY_TTL_MS, stopTokenCentreMemory, tokenCentreMemory, untilListening } from "@/lib/token-centre/memory";
import { serveAuthorizerToken, serveComponentToken } from "@/lib/token-centre/reads";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { pickAccounts, seedApiKey, seedAuthorizer, seedVerifyTicket } from "./seed";

const BASE = "http://portal.test/api/v1";

type TokenAnswer = { status: number; token?: string; error?: string };

describe(`token centre memory across instances (${databaseKind})`, () => {
  let t: TestDatabase;
  let other: Database;
  let sandbox: TestSandbox;
  let key: string;
  let appid: string;
  let secondAppid: string;

  /** Runs `fn` as the instance of `database`: lib/ code uses the process's database. */
  async function as<T>(database: Database, fn: () => Promise<T>): Promise<T> {
    installDatabase(database);
    try {
      return await fn();
    } finally {
      installDatabase(t.database);
    }
  }

  async function read(response: Response): Promise<TokenAnswer> {
    const body = (await response.json()) as Record<string, string>;
    return { status: response.status, token: body.component_access_token ?? body.authorizer_access_token, error: body.error };
  }

  const headers = (presented = key) => ({ authorization: `Bearer ${presented}` });
  const componentToken = (database: Database, presented = key) =>
    as(database, async () => read(await serveComponentToken(new Request(`${BASE}/component/token`, { headers: headers(presented) }))));
  const authorizerToken = (database: Database, target = appid) =>
    as(database, async () =>
      read(await serveAuthorizerToken(new Request(`${BASE}/authorizers/${target}/token`, { headers: headers() }), target)),
    );

  /** A write nobody hears: the triggers do not fire for a session in replica mode. */
  const silently = (sql: string, params: unknown[] = []) =>
    other.withSession(async (session) => {
      await session.query("SET session_replication_role = replica");
      try {
        await session.query(sql, params);
      } finally {
        await session.query("RESET session_replication_role");
      }
    });

  const expireComponentTokenSilently = () =>
    silently(
      `UPDATE components SET access_token_expires_at = now() - interval '1 minute', access_token_refresh_at = now() - interval '1 minute'`,
    );

  beforeAll(async () => {
    t = await createTestDatabase();
    other = openDatabase({ url: t.url });
    sandbox = await startTestSandbox({ eventUrl: "http://127.0.0.1:9/events", pushRetries: 0 });
    await seedVerifyTicket(sandbox);
    const [first, second] = await pickAccounts(sandbox, "official_account");
    appid = first!.appid;
    secondAppid = second!.appid;
    await seedAuthorizer(sandbox, { appid });
    await seedAuthorizer(sandbox, { appid: secondAppid });
    key = await seedApiKey();
    await untilListening(t.database);
    await untilListening(other);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    discardPendingIssuance();
    await stopTokenCentreMemory(t.database);
    await stopTokenCentreMemory(other);
    await other.close();
    await sandbox.close();
    await t.drop();
  });

  it("serves a kept token from memory: a change nobody announced is not seen", async () => {
    const first = await componentToken(t.database);
    expect(first.status).toBe(200);
    await expireComponentTokenSilently();
    expect(await componentToken(t.database)).toEqual(first);
    // The other instance kept nothing yet: it reads the row, finds it expired and refreshes.
    const refreshed = await componentToken(other);
    expect(refreshed.status).toBe(200);
    expect(refreshed.token).not.toBe(first.token);
  });

  it("stops serving a component token another instance replaced, once it hears the commit", async () => {
    const before = await componentToken(t.database);
    expect(await componentToken(t.database)).toEqual(before);
    const version = (await t.database.prisma.component.findUniqueOrThrow({ where: { appid: DEMO_COMPONENT.appid } })).accessTokenVersion;
    // The notice of this very write (an earlier test's may still be on its way).
    const heard = heardChange((event) => event.kind === "component" && event.version === version + 1, t.database);
    const calls = (await sandboxCalls(sandbox, "api_component_token")).length;
    const replaced = await as(other, () => replaceRejectedComponentToken(version));
    expect((await sandboxCalls(sandbox, "api_component_token")).length).toBe(calls + 1);
    await heard;
    expect(await componentToken(t.database)).toEqual({ status: 200, token: replaced.token, error: undefined });
  });

  it("stops serving an authorizer token another instance refreshed, and answers 410 once the other instance records a revocation", async () => {
    const before = await authorizerToken(t.database);
    expect(before.status).toBe(200);
    const refreshedHeard = heardChange((event) => event.kind === "authorizer" && event.appid === appid, t.database);
    const refreshed = await as(other, () => refreshAuthorizerToken(appid, { force: true }));
    await refreshedHeard;
    expect(refreshed.token).not.toBe(before.token);
    expect(await authorizerToken(t.database)).toMatchObject({ status: 200, token: refreshed.token });

    const revokedHeard = heardChange((event) => event.kind === "authorizer" && event.appid === appid, t.database);
    await as(other, () => markAuthorizerRevoked({ authorizerAppid: appid, at: new Date(), source: "push" }));
    await revokedHeard;
    expect(await authorizerToken(t.database)).toMatchObject({ status: 410, error: "authorizer_revoked" });
  });

  it("refuses a key revoked on another instance once it hears it, and at once on the instance that revoked it", async () => {
    const presented = await seedApiKey("revoked elsewhere");
    expect((await componentToken(t.database, presented)).status).toBe(200);
    expect((await componentToken(other, presented)).status).toBe(200);
    const heard = heardChange((event) => event.kind === "api_key", t.database);
    await as(other, () => revokeApiKey({ idOrPrefix: presented.slice(0, 12), actor: { actorType: "system" } }));
    // The revoking instance forgot the key before revokeApiKey returned.
    expect(await componentToken(other, presented)).toMatchObject({ status: 401, error: "unauthorized" });
    await heard;
    expect(await componentToken(t.database, presented)).toMatchObject({ status: 401, error: "unauthorized" });
    // Other keys are still served from memory.
    expect((await componentToken(t.database)).status).toBe(200);
  });

  it("sees a revocation nobody announced once the key's TTL has passed", async () => {
    const presented = await seedApiKey("revoked silently");
    expect((await componentToken(t.database, presented)).status).toBe(200);
    await silently(`UPDATE api_keys SET revoked_at = now() WHERE prefix = $1`, [presented.slice(0, 12)]);
    expect((await componentToken(t.database, presented)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + KEY_TTL_MS + 1000);
    expect(await componentToken(t.database, presented)).toMatchObject({ status: 401, error: "unauthorized" });
  });

  it("does not serve from memory a token in its refresh window: it is refreshed through the database", async () => {
    const before = await authorizerToken(t.database, secondAppid);
    expect(before.status).toBe(200);
    const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: secondAppid } });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(row.accessTokenRefreshAt!.getTime() + 1000);
    const after = await authorizerToken(t.database, secondAppid);
    expect(after.status).toBe(200);
    expect(after.token).not.toBe(before.token);
  });

  it("drops everything when its listening session is lost, since changes meanwhile went unheard", async () => {
    const kept = await componentToken(t.database);
    expect(await componentToken(t.database)).toEqual(kept);
    await expireComponentTokenSilently();
    expect(await componentToken(t.database)).toEqual(kept);

    const memory = tokenCentreMemory(t.database);
    const lost = heardChange((event) => event.kind === "reset" && !event.listening, t.database);
    const back = heardChange((event) => event.kind === "reset" && event.listening, t.database);
    await other.withSession((session) => session.query("SELECT pg_terminate_backend($1)", [memory.listener.backendPid]));
    await lost;
    expect(memory.tokens.size).toBe(0);
    await back;
    const after = await componentToken(t.database);
    expect(after.status).toBe(200);
    expect(after.token).not.toBe(kept.token);
  });
});
