import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { installDatabase } from "@/lib/db";
import { getComponentAccessToken, withComponentToken } from "@/lib/credentials/component-token";
import { refreshContext } from "@/lib/credentials/authorizer-credentials";
import { getAuthorizerAccessToken, refreshAuthorizerToken, withAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { CredentialError } from "@/lib/credentials/errors";
import { openColumn, seal } from "@/lib/credentials/vault";
import { wechatApi } from "@/lib/upstream";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { serveRoute, type ServedRoute } from "../../helpers/routes";
import { resetPortalCaches, sandboxCalls, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { eventually } from "../../helpers/eventually";

type Account = { appid: string; kind: string };

describe(`credentials (${databaseKind} + sandbox)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  const officials = () => accounts.filter((a) => a.kind.startsWith("official") && !a.appid.startsWith("wx570bc"));
  const calls = async (endpoint: string) => (await sandboxCalls(sandbox, endpoint)).length;

  /** Authorizes `appid` in the sandbox and waits for the portal to store it from the push. */
  async function authorize(appid: string) {
    await sandboxControl(sandbox, "authorize", { appid, push: true });
    await portal.idle();
    return eventually(() =>
      t.database.prisma.authorizerCredential.findUnique({ where: { authorizerAppid: appid } }).then((c) => c ?? undefined),
    );
  }
  const storedRefreshToken = async (appid: string) => {
    const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    return openColumn({ ciphertext: row.refreshTokenEnc, keyId: row.refreshTokenKeyId, context: refreshContext(appid) });
  };
  const sandboxRefreshToken = (appid: string) =>
    (sandbox.state as unknown as { findAuthorization(a: string): { refreshToken: string } | undefined }).findAuthorization(appid)
      ?.refreshToken;

  beforeAll(async () => {
    t = await createTestDatabase();
    portal = await serveRoute({ handler: receivePush, queue: afterQueue });
    sandbox = await startTestSandbox({ eventUrl: `${portal.url}/api/wechat/component/events`, rotateRefreshEvery: 1 });
    accounts = ((await (await fetch(`${sandbox.url}/sandbox/api/accounts`)).json()) as { accounts: Account[] }).accounts;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await sandbox.close();
    await portal.close();
    await t.drop();
  });
  beforeEach(async () => {
    vi.restoreAllMocks();
    await portal.idle();
    installDatabase(t.database);
  });

  it("without a ticket: a clear error, and WeChat is asked to push one (which then arrives)", async () => {
    const error = await getComponentAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).code).toBe("no_ticket");
    expect((error as Error).message).toMatch(/component_verify_ticket/);
    expect(await calls("api_start_push_ticket")).toBe(1);
    // The sandbox answers api_start_push_ticket with a push to the event URL.
    await eventually(async () => {
      await portal.idle();
      const c = await t.database.prisma.component.findUnique({ where: { appid: DEMO_COMPONENT.appid } });
      return c?.verifyTicketEnc ? c : undefined;
    });
  });

  it("100 concurrent callers cause one api_component_token call", async () => {
    const before = await calls("api_component_token");
    const tokens = await Promise.all(Array.from({ length: 100 }, () => getComponentAccessToken()));
    expect(new Set(tokens.map((tk) => tk.token)).size).toBe(1);
    expect((await calls("api_component_token")) - before).toBe(1);
    // Later callers read the stored token: no more upstream calls.
    await getComponentAccessToken();
    expect((await calls("api_component_token")) - before).toBe(1);
  });

  it("replaces a token WeChat rejects (expired on WeChat's side) once, and retries the call", async () => {
    const first = await getComponentAccessToken();
    // Two hours pass for WeChat; the portal's row still looks valid.
    await sandboxControl(sandbox, "clock/advance", { seconds: 7300 });
    const before = await calls("api_component_token");
    const code = await withComponentToken((componentAccessToken) =>
      wechatApi().createPreAuthCode({ componentAccessToken, componentAppid: DEMO_COMPONENT.appid }),
    );
    expect(code.preAuthCode).toBeTruthy();
    expect((await calls("api_component_token")) - before).toBe(1);
    const second = await getComponentAccessToken();
    expect(second.version).toBe(first.version + 1);
    expect(second.token).not.toBe(first.token);
    const rejected = (await sandboxCalls(sandbox, "api_create_preauthcode")).slice(-2).map((c) => c.errcode);
    expect(rejected).toEqual([42001, 0]);
  });

  it("refreshes an authorizer token and saves the rotated refresh token in the same write", async () => {
    const [account] = officials();
    const before = await authorize(account!.appid);
    const previous = await getAuthorizerAccessToken(account!.appid);
    const refreshed = await refreshAuthorizerToken(account!.appid, { force: true });
    const after = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: account!.appid } });
    expect(after.version).toBe(before.version + 1);
    expect(after.lastRefreshedAt!.getTime()).toBeGreaterThan(before.lastRefreshedAt!.getTime() - 1);
    // rotateRefreshEvery: 1 → WeChat handed back a new refresh token; it is what we now hold.
    expect(await storedRefreshToken(account!.appid)).toBe(sandboxRefreshToken(account!.appid));
    expect(refreshed.token).not.toBe(previous.token);
    expect((await getAuthorizerAccessToken(account!.appid)).token).toBe(refreshed.token);
  });

  it("20 concurrent callers of a due token cause one api_authorizer_token call", async () => {
    const account = officials()[1]!;
    await authorize(account.appid);
    await t.database.prisma.authorizerCredential.update({
      where: { authorizerAppid: account.appid },
      data: { accessTokenRefreshAt: new Date(Date.now() - 1000) },
    });
    const before = await calls("api_authorizer_token");
    const tokens = await Promise.all(Array.from({ length: 20 }, () => getAuthorizerAccessToken(account.appid)));
    expect(new Set(tokens.map((tk) => tk.token)).size).toBe(1);
    expect((await calls("api_authorizer_token")) - before).toBe(1);
  });

  it("61023: recovers the refresh token WeChat still holds instead of giving up", async () => {
    const account = officials()[2]!;
    await authorize(account.appid);
    const bogus = seal({ plaintext: "refreshtoken@@@lost-in-a-bad-deploy", context: refreshContext(account.appid) });
    await t.database.prisma.authorizerCredential.update({
      where: { authorizerAppid: account.appid },
      data: { refreshTokenEnc: bogus.ciphertext, refreshTokenKeyId: bogus.keyId },
    });
    const token = await refreshAuthorizerToken(account.appid, { force: true });
    expect(token.token).toBeTruthy();
    expect(await storedRefreshToken(account.appid)).toBe(sandboxRefreshToken(account.appid));
    const lastTwo = (await sandboxCalls(sandbox, "api_authorizer_token")).slice(-2).map((c) => c.errcode);
    expect(lastTwo).toEqual([61023, 0]);
    expect(await t.database.prisma.auditLog.count({ where: { action: "credential.refresh_token_recovered", target: account.appid } })).toBe(
      1,
    );
    const authorizer = await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid: account.appid } });
    expect(authorizer.status).toBe("authorized");
  });

  it("61023 with nothing to recover: marked needs re-authorization, and the token centre says so", async () => {
    const account = officials()[3]!;
    await authorize(account.appid);
    // WeChat itself no longer accepts any refresh token for this account (the sandbox cannot lose
    // one on its own, so this one answer is replaced).
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      if (String(input).includes("/cgi-bin/component/api_authorizer_token")) {
        return new Response(JSON.stringify({ errcode: 61023, errmsg: "refresh_token is invalid rid: test" }), {
          headers: { "content-type": "application/json" },
        });
      }
      return realFetch(input, init);
    });
    resetPortalCaches(); // the API client picks up fetch when it is created
    const error = await refreshAuthorizerToken(account.appid, { force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).code).toBe("needs_reauthorization");
    vi.restoreAllMocks();
    resetPortalCaches();
    const authorizer = await t.database.prisma.authorizer.findUniqueOrThrow({
      where: { appid: account.appid },
      include: { credential: true },
    });
    expect(authorizer.status).toBe("needs_reauthorization");
    expect(authorizer.credential?.disabledAt).not.toBeNull();
    // The refresh token is kept (history), never handed out again.
    expect(authorizer.credential?.refreshTokenEnc).toBeTruthy();
    await expect(getAuthorizerAccessToken(account.appid)).rejects.toMatchObject({ code: "needs_reauthorization" });
  });

  it("61003: an authorizer revoked without us hearing of it is marked revoked on the next refresh", async () => {
    const account = officials()[4]!;
    await authorize(account.appid);
    // The unauthorized push is lost on the way.
    await sandboxControl(sandbox, "faults", { kind: "drop-push", count: 1 });
    await sandboxControl(sandbox, "revoke", { appid: account.appid });
    await portal.idle();
    expect((await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid: account.appid } })).status).toBe("authorized");
    await expect(refreshAuthorizerToken(account.appid, { force: true })).rejects.toMatchObject({ code: "authorizer_revoked" });
    expect((await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid: account.appid } })).status).toBe("revoked");
  });

  it("withAuthorizerToken replaces a token WeChat rejects and retries once", async () => {
    const account = officials()[5] ?? officials()[0]!;
    await authorize(account.appid);
    const first = await getAuthorizerAccessToken(account.appid);
    await sandboxControl(sandbox, "clock/advance", { seconds: 7300 });
    const ticket = await withAuthorizerToken(account.appid, (authorizerAccessToken) =>
      wechatApi().getJsapiTicket({ authorizerAccessToken }),
    );
    expect(ticket.ticket).toBeTruthy();
    const second = await getAuthorizerAccessToken(account.appid);
    expect(second.token).not.toBe(first.token);
  });
});
