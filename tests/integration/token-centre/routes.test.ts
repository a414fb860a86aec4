// The token centre's routes, called as Next.js would call them (real Request objects), against a
// real database and the WeChat sandbox over HTTP. Every success and every documented error path.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as getAuthorizerTokenRoute } from "@/app/api/v1/authorizers/[appid]/token/route";
import { POST as postTokenRefreshRoute } from "@/app/api/v1/authorizers/[appid]/token/refresh/route";
import { POST as postJssdkSignatureRoute } from "@/app/api/v1/authorizers/[appid]/jssdk-signature/route";
import { GET as getComponentTokenRoute } from "@/app/api/v1/component/token/route";
import { jsapiTicketContext } from "@/lib/credentials/authorizer-credentials";
import { getApiKeyUsage, revokeApiKey, summarizeApiKeyUsage } from "@/lib/token-centre/api-keys";
import { discardPendingIssuance, flushIssuance } from "@/lib/token-centre/issuance";
import { stopTokenCentreMemory } from "@/lib/token-centre/memory";
import type { ApiKeyScopeInput } from "@/lib/token-centre/scopes";
import { openColumn } from "@/lib/credentials/vault";
import { installDatabase } from "@/lib/db";
import { DEFAULT_QUOTAS } from "@/sandbox/config";
import { signJsapi } from "@/lib/wechat/jssdk";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { sandboxCalls, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { afterHeard } from "./heard";
import { pickAccounts, seedApiKey, seedAuthorizer, seedVerifyTicket } from "./seed";

const NOWHERE = "http://127.0.0.1:9/events";
const BASE = "http://portal.test/api/v1";

type Json = Record<string, unknown>;

describe(`token centre routes (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let key: string;
  let appid: string;
  let accessToken: string;
  let revokedAppid: string;
  let reauthAppid: string;

  const auth = () => ({ authorization: `Bearer ${key}` });
  const params = (value: string) => ({ params: Promise.resolve({ appid: value }) });

  async function read(response: Response): Promise<{ status: number; body: Json; headers: Headers }> {
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
  }

  const componentToken = async (headers: Record<string, string> = auth()) =>
    read(await getComponentTokenRoute(new Request(`${BASE}/component/token`, { headers })));

  const authorizerToken = async (target: string, headers: Record<string, string> = auth()) =>
    read(
      await getAuthorizerTokenRoute(new Request(`${BASE}/authorizers/${encodeURIComponent(target)}/token`, { headers }), params(target)),
    );

  const jssdkSignature = async (target: string, body: unknown, headers: Record<string, string> = auth()) =>
    read(
      await postJssdkSignatureRoute(
        new Request(`${BASE}/authorizers/${target}/jssdk-signature`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
        params(target),
      ),
    );

  const tokenRefresh = async (target: string, body: unknown, headers: Record<string, string> = auth()) =>
    read(
      await postTokenRefreshRoute(
        new Request(`${BASE}/authorizers/${target}/token/refresh`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        }),
        params(target),
      ),
    );

  /** A key with `scope`, and its row's id. */
  const keyWith = async (name: string, scope: ApiKeyScopeInput) => {
    const presented = await seedApiKey(name, scope);
    const row = await t.database.prisma.apiKey.findFirstOrThrow({ where: { prefix: presented.slice(0, 12) } });
    return { presented, id: row.id, headers: { authorization: `Bearer ${presented}` } };
  };

  const setQuota = (endpoint: string, limit: number) => sandboxControl(sandbox, "quotas", { endpoint, limit });
  const clearComponentToken = () =>
    afterHeard(t.database, { kind: "component", appid: DEMO_COMPONENT.appid }, () =>
      t.database.prisma.component.update({
        where: { appid: DEMO_COMPONENT.appid },
        data: { accessTokenEnc: null, accessTokenKeyId: null, accessTokenExpiresAt: null, accessTokenRefreshAt: null },
      }),
    );
  const clearAccessToken = (target: string) =>
    afterHeard(t.database, { kind: "authorizer", appid: target }, () =>
      t.database.prisma.authorizerCredential.update({
        where: { authorizerAppid: target },
        data: { accessTokenEnc: null, accessTokenKeyId: null, accessTokenExpiresAt: null, accessTokenRefreshAt: null },
      }),
    );
  const clearJsapiTicket = (target: string) =>
    t.database.prisma.authorizerCredential.update({
      where: { authorizerAppid: target },
      data: { jsapiTicketEnc: null, jsapiTicketKeyId: null, jsapiTicketExpiresAt: null, jsapiTicketRefreshAt: null },
    });
  const issuedJsapiTickets = (target: string) => sandbox.state.data.jsapiTickets.filter((ticket) => ticket.authorizerAppid === target);

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE, pushRetries: 0 });
    await seedVerifyTicket(sandbox);
    const [first, second, third] = await pickAccounts(sandbox, "official_account");
    appid = first!.appid;
    revokedAppid = second!.appid;
    reauthAppid = third!.appid;
    ({ accessToken } = await seedAuthorizer(sandbox, { appid }));
    await seedAuthorizer(sandbox, { appid: revokedAppid });
    await seedAuthorizer(sandbox, { appid: reauthAppid });
    await t.database.prisma.authorizer.update({ where: { appid: revokedAppid }, data: { status: "revoked", revokedAt: new Date() } });
    await t.database.prisma.authorizer.update({ where: { appid: reauthAppid }, data: { status: "needs_reauthorization" } });
    key = await seedApiKey();
  });
  beforeEach(() => installDatabase(t.database));
  afterEach(async () => {
    for (const [endpoint, limit] of Object.entries(DEFAULT_QUOTAS)) await setQuota(endpoint, limit);
    await fetch(new URL("/sandbox/api/faults", sandbox.url), { method: "DELETE" });
  });
  afterAll(async () => {
    discardPendingIssuance();
    await stopTokenCentreMemory(t.database);
    await sandbox.close();
    await t.drop();
  });

  describe("API keys on every route", () => {
    it("answers 401 JSON (never a redirect) without a key, with a malformed, unknown or revoked key", async () => {
      const revoked = await seedApiKey("to be revoked");
      await revokeApiKey({ idOrPrefix: revoked.slice(0, 12), actor: { actorType: "system", actorId: "test" } });
      const cases: [Record<string, string>, RegExp][] = [
        [{}, /Missing API key/],
        [{ authorization: "Basic dXNlcjpwYXNz" }, /Invalid API key/],
        [{ authorization: "Bearer not-a-key" }, /Invalid API key/],
        [{ authorization: `Bearer cpk_${"A".repeat(43)}` }, /Invalid API key/],
        [{ "x-api-key": `cpk_${"B".repeat(43)}` }, /Invalid API key/],
        [{ authorization: `Bearer ${revoked}` }, /revoked/],
      ];
      for (const [headers, message] of cases) {
        for (const answer of [
          await componentToken(headers),
          await authorizerToken(appid, headers),
          await jssdkSignature(appid, { url: "https://a.example/" }, headers),
        ]) {
          expect(answer.status).toBe(401);
          expect(answer.body).toEqual({ error: "unauthorized", message: expect.stringMatching(message) });
          expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer /);
        }
      }
    });

    it("accepts the key as X-Api-Key too, and records when it was used", async () => {
      const answer = await componentToken({ "x-api-key": key });
      expect(answer.status).toBe(200);
      await flushIssuance();
      const row = await t.database.prisma.apiKey.findFirstOrThrow({ where: { name: "test service" } });
      expect(row.lastUsedAt).not.toBeNull();
    });
  });

  describe("GET /component/token", () => {
    it("answers the component_access_token the sandbox issued", async () => {
      const { status, body, headers } = await componentToken();
      expect(status).toBe(200);
      expect(body).toEqual({
        component_appid: DEMO_COMPONENT.appid,
        component_access_token: expect.any(String),
        expires_at: expect.any(String),
      });
      expect(sandbox.state.data.componentTokens.map((token) => token.value)).toContain(body.component_access_token);
      expect(new Date(body.expires_at as string).getTime()).toBeGreaterThan(Date.now());
      expect(headers.get("cache-control")).toBe("no-store");
    });

    it("answers 502 with WeChat's errcode and its class when WeChat refuses", async () => {
      await clearComponentToken();
      await setQuota("api_component_token", 0);
      const { status, body } = await componentToken();
      expect(status).toBe(502);
      expect(body).toMatchObject({ error: "wechat_error", errcode: 45009, class: "quota" });
      expect(body.message).toMatch(/quota/i);
    });

    it("answers 502 wechat_unavailable when WeChat cannot be reached properly", async () => {
      await clearComponentToken();
      await sandboxControl(sandbox, "faults", { kind: "http5xx", endpoint: "api_component_token" });
      const { status, body } = await componentToken();
      expect(status).toBe(502);
      expect(body).toMatchObject({ error: "wechat_unavailable", class: "retry" });
    });

    it("answers 503 no_ticket, with Retry-After, before any ticket has arrived", async () => {
      await clearComponentToken();
      await t.database.prisma.component.update({
        where: { appid: DEMO_COMPONENT.appid },
        data: { verifyTicketEnc: null, verifyTicketKeyId: null, verifyTicketCreateTime: null },
      });
      try {
        const { status, body, headers } = await componentToken();
        expect(status).toBe(503);
        expect(body).toMatchObject({ error: "no_ticket", message: expect.stringMatching(/component_verify_ticket/) });
        expect(headers.get("retry-after")).toBe("60");
      } finally {
        await seedVerifyTicket(sandbox);
      }
    });
  });

  describe("GET /authorizers/{appid}/token", () => {
    it("answers the authorizer's stored access token", async () => {
      const { status, body } = await authorizerToken(appid);
      expect(status).toBe(200);
      expect(body).toEqual({ authorizer_appid: appid, authorizer_access_token: accessToken, expires_at: expect.any(String) });
    });

    it("refreshes a token that is due and answers the new one", async () => {
      await clearAccessToken(appid);
      const { status, body } = await authorizerToken(appid);
      expect(status).toBe(200);
      expect(body.authorizer_access_token).not.toBe(accessToken);
      const issued = sandbox.state.data.authorizerTokens.find((token) => token.value === body.authorizer_access_token);
      expect(issued?.authorizerAppid).toBe(appid);
      accessToken = body.authorizer_access_token as string;
    });

    it("answers 404 for an appid that never authorized, 410 when revoked, 409 when it must authorize again", async () => {
      const unknown = await authorizerToken("wx0000000000000000");
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: "unknown_authorizer", message: expect.stringMatching(/has not authorized/) });

      const revoked = await authorizerToken(revokedAppid);
      expect(revoked.status).toBe(410);
      expect(revoked.body).toEqual({
        error: "authorizer_revoked",
        message: expect.stringMatching(/only the merchant can authorize again/),
      });

      const reauth = await authorizerToken(reauthAppid);
      expect(reauth.status).toBe(409);
      expect(reauth.body).toEqual({ error: "needs_reauthorization", message: expect.stringMatching(/new authorization link/) });
    });

    it("answers 400 for something that is not an appid", async () => {
      const { status, body } = await authorizerToken("../../etc/passwd");
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: "invalid_request", issues: [{ path: "appid", message: expect.stringMatching(/appid/) }] });
    });

    it("answers 502 with errcode and class when the refresh is refused, 502 wechat_unavailable when WeChat fails", async () => {
      await clearAccessToken(appid);
      await setQuota("api_authorizer_token", 0);
      const refused = await authorizerToken(appid);
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ error: "wechat_error", errcode: 45009, class: "quota" });
      await setQuota("api_authorizer_token", DEFAULT_QUOTAS.api_authorizer_token!);

      await sandboxControl(sandbox, "faults", { kind: "http5xx", endpoint: "api_authorizer_token" });
      const down = await authorizerToken(appid);
      expect(down.status).toBe(502);
      expect(down.body).toMatchObject({ error: "wechat_unavailable" });
      expect(JSON.stringify(down.body)).not.toMatch(/access_token=|http:\/\//);
    });

    it("answers 503 no_ticket when the token must be refreshed and no ticket is there", async () => {
      await clearAccessToken(appid);
      await clearComponentToken();
      await t.database.prisma.component.update({
        where: { appid: DEMO_COMPONENT.appid },
        data: { verifyTicketEnc: null, verifyTicketKeyId: null, verifyTicketCreateTime: null },
      });
      try {
        const { status, body } = await authorizerToken(appid);
        expect(status).toBe(503);
        expect(body.error).toBe("no_ticket");
      } finally {
        await seedVerifyTicket(sandbox);
      }
    });
  });

  describe("POST /authorizers/{appid}/jssdk-signature", () => {
    const PAGE = "https://shop.example.com/p/1?from=menu&x=%E4%B8%AD";

    it("signs with a jsapi_ticket fetched once, cached sealed, and verifiable with signJsapi (the #fragment unsigned)", async () => {
      await clearJsapiTicket(appid);
      const before = (await sandboxCalls(sandbox, "getticket")).length;
      const first = await jssdkSignature(appid, { url: `${PAGE}#/cart` });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        appId: appid,
        timestamp: expect.any(Number),
        nonceStr: expect.any(String),
        signature: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      expect((await sandboxCalls(sandbox, "getticket")).length).toBe(before + 1);

      const ticket = issuedJsapiTickets(appid).at(-1)!.value;
      const { nonceStr, timestamp, signature } = first.body as { nonceStr: string; timestamp: number; signature: string };
      expect(signJsapi({ jsapiTicket: ticket, nonceStr, timestamp, url: PAGE })).toBe(signature);

      const second = await jssdkSignature(appid, { url: PAGE });
      expect(second.status).toBe(200);
      expect((await sandboxCalls(sandbox, "getticket")).length).toBe(before + 1);
      const again = second.body as { nonceStr: string; timestamp: number; signature: string };
      expect(signJsapi({ jsapiTicket: ticket, nonceStr: again.nonceStr, timestamp: again.timestamp, url: PAGE })).toBe(again.signature);

      const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
      expect(JSON.stringify(row)).not.toContain(ticket);
      expect(openColumn({ ciphertext: row.jsapiTicketEnc, keyId: row.jsapiTicketKeyId, context: jsapiTicketContext(appid) })).toBe(ticket);
      expect(row.jsapiTicketRefreshAt!.getTime()).toBeLessThan(row.jsapiTicketExpiresAt!.getTime());
    });

    it("makes one getticket call for many simultaneous requests", async () => {
      await clearJsapiTicket(appid);
      const before = (await sandboxCalls(sandbox, "getticket")).length;
      const answers = await Promise.all(Array.from({ length: 6 }, () => jssdkSignature(appid, { url: PAGE })));
      expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
      expect((await sandboxCalls(sandbox, "getticket")).length).toBe(before + 1);
    });

    it("refreshes the ticket once it is due, and keeps using the old one while WeChat refuses and it is still valid", async () => {
      await jssdkSignature(appid, { url: PAGE });
      const old = issuedJsapiTickets(appid).at(-1)!.value;
      await t.database.prisma.authorizerCredential.update({
        where: { authorizerAppid: appid },
        data: { jsapiTicketRefreshAt: new Date(Date.now() - 1000) },
      });

      await setQuota("getticket", 0);
      const stale = await jssdkSignature(appid, { url: PAGE });
      expect(stale.status).toBe(200);
      const staleBody = stale.body as { nonceStr: string; timestamp: number; signature: string };
      expect(signJsapi({ jsapiTicket: old, nonceStr: staleBody.nonceStr, timestamp: staleBody.timestamp, url: PAGE })).toBe(
        staleBody.signature,
      );

      await setQuota("getticket", DEFAULT_QUOTAS.getticket!);
      const before = (await sandboxCalls(sandbox, "getticket")).length;
      const fresh = await jssdkSignature(appid, { url: PAGE });
      expect(fresh.status).toBe(200);
      expect((await sandboxCalls(sandbox, "getticket")).length).toBe(before + 1);
      const current = issuedJsapiTickets(appid).at(-1)!.value;
      expect(current).not.toBe(old);
      const freshBody = fresh.body as { nonceStr: string; timestamp: number; signature: string };
      expect(signJsapi({ jsapiTicket: current, nonceStr: freshBody.nonceStr, timestamp: freshBody.timestamp, url: PAGE })).toBe(
        freshBody.signature,
      );
    });

    it("answers 502 with errcode and class when getticket is refused and no ticket is cached", async () => {
      await clearJsapiTicket(appid);
      await setQuota("getticket", 0);
      const { status, body } = await jssdkSignature(appid, { url: PAGE });
      expect(status).toBe(502);
      expect(body).toMatchObject({ error: "wechat_error", errcode: 45009, class: "quota" });
    });

    it("refuses bodies that are not JSON, lack an http(s) url, or are too large", async () => {
      const notJson = await jssdkSignature(appid, "url=https://a.example/");
      expect(notJson.status).toBe(400);
      expect(notJson.body.error).toBe("invalid_request");

      const missing = await jssdkSignature(appid, {});
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ error: "invalid_request", issues: [{ path: "url" }] });

      for (const url of ["ftp://files.example/a", "javascript:alert(1)", "/relative/page", "not a url"]) {
        const answer = await jssdkSignature(appid, { url });
        expect(answer.status, url).toBe(400);
        expect(answer.body).toMatchObject({
          error: "invalid_request",
          issues: [{ path: "url", message: expect.stringMatching(/http\(s\)/) }],
        });
      }

      const large = await jssdkSignature(appid, { url: `https://a.example/?q=${"x".repeat(20_000)}` });
      expect(large.status).toBe(413);
      expect(large.body.error).toBe("payload_too_large");
    });

    it("answers 404, 410 and 409 like the token route", async () => {
      expect((await jssdkSignature("wx0000000000000000", { url: PAGE })).status).toBe(404);
      expect((await jssdkSignature(revokedAppid, { url: PAGE })).status).toBe(410);
      expect((await jssdkSignature(reauthAppid, { url: PAGE })).status).toBe(409);
    });
  });

  describe("scopes", () => {
    const refusals = (id: string) =>
      t.database.prisma.auditLog.findMany({ where: { action: "token_centre.forbidden", actorId: id }, orderBy: { id: "asc" } });

    it("lets a key for listed authorizers read theirs only: 403 (audited) for any other, known or not, and for the component token", async () => {
      const listed = await keyWith("shop pages", { component: false, authorizers: [appid], readOnly: true });
      expect((await authorizerToken(appid, listed.headers)).status).toBe(200);
      expect((await jssdkSignature(appid, { url: "https://a.example/" }, listed.headers)).status).toBe(200);

      const calls = (await sandboxCalls(sandbox)).length;
      for (const answer of [
        await authorizerToken(revokedAppid, listed.headers),
        // Not even whether it exists: an unknown appid outside the scope is a 403 too, not a 404.
        await authorizerToken("wx0000000000000000", listed.headers),
        await jssdkSignature(reauthAppid, { url: "https://a.example/" }, listed.headers),
        await componentToken(listed.headers),
      ]) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({ error: "forbidden", message: expect.stringContaining(`authorizer:${appid}`) });
      }
      expect((await sandboxCalls(sandbox)).length).toBe(calls);

      const audited = await refusals(listed.id);
      expect(audited.map((row) => [row.actorType, row.target, (row.details as { operation: string }).operation])).toEqual([
        ["api_key", `authorizer:${revokedAppid}`, "getAuthorizerToken"],
        ["api_key", "authorizer:wx0000000000000000", "getAuthorizerToken"],
        ["api_key", `authorizer:${reauthAppid}`, "createJssdkSignature"],
        ["api_key", "component", "getComponentToken"],
      ]);
      expect(audited[3]!.details).toMatchObject({ needed: "component", prefix: listed.presented.slice(0, 12) });
      expect(JSON.stringify(audited.map((row) => row.details))).not.toContain(listed.presented);
    });

    it("lets a component-only key read the component token and nothing of any authorizer", async () => {
      const component = await keyWith("billing", { component: true, authorizers: [], readOnly: true });
      expect((await componentToken(component.headers)).status).toBe(200);
      const refused = await authorizerToken(appid, component.headers);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(new RegExp(`needs the scope authorizer:${appid}`));
      // Input is still checked first: a malformed appid is the caller's bug, whatever the scope.
      expect((await authorizerToken("../x", component.headers)).status).toBe(400);
    });

    it("lets a read-only key read but not refresh; a writable key refreshes a rejected token once, and a replaced one not at all", async () => {
      const readOnly = await keyWith("reader", { component: true, authorizers: "all", readOnly: true });
      const current = (await authorizerToken(appid, readOnly.headers)).body.authorizer_access_token as string;
      const refused = await tokenRefresh(appid, { rejected_token: current }, readOnly.headers);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/read-only/);
      expect((await refusals(readOnly.id)).map((row) => row.target)).toEqual([`authorizer:${appid}`]);

      const before = (await sandboxCalls(sandbox, "api_authorizer_token")).length;
      const answers = await Promise.all(Array.from({ length: 4 }, () => tokenRefresh(appid, { rejected_token: current })));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      const fresh = answers[0]!.body.authorizer_access_token as string;
      expect(fresh).not.toBe(current);
      expect(answers.map((answer) => answer.body)).toEqual(
        Array(4).fill({ authorizer_appid: appid, authorizer_access_token: fresh, expires_at: expect.any(String), refreshed: true }),
      );
      expect((await sandboxCalls(sandbox, "api_authorizer_token")).length).toBe(before + 1);
      expect(sandbox.state.data.authorizerTokens.find((token) => token.value === fresh)?.authorizerAppid).toBe(appid);

      // Reported again after it was replaced: the newer token, and WeChat is not called.
      const late = await tokenRefresh(appid, { rejected_token: current });
      expect(late.body).toMatchObject({ authorizer_access_token: fresh, refreshed: false });
      expect((await sandboxCalls(sandbox, "api_authorizer_token")).length).toBe(before + 1);
      expect((await authorizerToken(appid)).body.authorizer_access_token).toBe(fresh);

      expect((await tokenRefresh(appid, {})).body).toMatchObject({ error: "invalid_request", issues: [{ path: "rejected_token" }] });
      expect((await tokenRefresh(revokedAppid, { rejected_token: "x" })).status).toBe(410);
    });
  });

  describe("what each key was handed", () => {
    it("counts each token and signature per key, kind and target in memory, and writes the counts at a flush", async () => {
      await flushIssuance();
      const counted = await keyWith("counted", { component: true, authorizers: "all", readOnly: true });
      const stored = () => t.database.prisma.apiKeyIssuance.findMany({ where: { apiKeyId: counted.id }, orderBy: [{ kind: "asc" }] });
      const started = new Date();
      await componentToken(counted.headers);
      await componentToken(counted.headers);
      for (let i = 0; i < 3; i += 1) await authorizerToken(appid, counted.headers);
      await jssdkSignature(appid, { url: "https://a.example/" }, counted.headers);
      // Refusals and failures hand nothing out.
      expect((await authorizerToken("wx0000000000000000", counted.headers)).status).toBe(404);
      expect((await tokenRefresh(appid, { rejected_token: "x" }, counted.headers)).status).toBe(403);

      // Nothing was written on the requests' way: the counts wait in memory.
      expect(await stored()).toEqual([]);
      expect((await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: counted.id } })).lastUsedAt).toBeNull();

      expect(await flushIssuance()).toEqual({ issuances: 3, keys: 1 });
      const rows = await stored();
      expect(rows.map((row) => [row.kind, row.target, Number(row.count)])).toEqual([
        ["component_token", DEMO_COMPONENT.appid, 2],
        ["authorizer_token", appid, 3],
        ["jssdk_signature", appid, 1],
      ]);
      for (const row of rows) {
        expect(row.firstAt.getTime()).toBeGreaterThanOrEqual(started.getTime());
        expect(row.lastAt.getTime()).toBeGreaterThanOrEqual(row.firstAt.getTime());
      }
      const lastUsedAt = (await t.database.prisma.apiKey.findUniqueOrThrow({ where: { id: counted.id } })).lastUsedAt;
      expect(lastUsedAt!.getTime()).toBeGreaterThanOrEqual(started.getTime());

      // Later counts add to the stored ones (as every instance's do); the first time stays.
      await authorizerToken(appid, counted.headers);
      await flushIssuance();
      const again = await t.database.prisma.apiKeyIssuance.findUniqueOrThrow({
        where: { apiKeyId_kind_target: { apiKeyId: counted.id, kind: "authorizer_token", target: appid } },
      });
      expect(Number(again.count)).toBe(4);
      expect(again.firstAt).toEqual(rows[1]!.firstAt);
      expect(again.lastAt.getTime()).toBeGreaterThanOrEqual(rows[1]!.lastAt.getTime());

      // What the CLI's `usage` and the console's page show.
      const { usage } = await getApiKeyUsage(counted.presented.slice(0, 12));
      expect(usage.map((row) => [row.target, row.kind, row.count])).toEqual([
        [appid, "authorizer_token", 4],
        [DEMO_COMPONENT.appid, "component_token", 2],
        [appid, "jssdk_signature", 1],
      ]);
      const summary = (await summarizeApiKeyUsage({ top: 2 })).get(counted.id);
      expect(summary).toMatchObject({ targets: 2, issued: 7 });
      expect(summary!.top.map((row) => [row.target, row.kind])).toEqual([
        [appid, "authorizer_token"],
        [DEMO_COMPONENT.appid, "component_token"],
      ]);
    });
  });
});
