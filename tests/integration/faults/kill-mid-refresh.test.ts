// kill -9 between WeChat's answer and the write: a portal process refreshing an authorizer's token
// dies after the sandbox has rotated the refresh token and before the new one is saved. WeChat keeps
// the rotated-away token working for a while, and api_get_authorizer_info hands out the current one,
// so no such crash may end with the account asking its merchant to authorize again.
// (The long version, against the built portal: npm run soak.)
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { refreshContext } from "@/lib/credentials/authorizer-credentials";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import { openColumn } from "@/lib/credentials/vault";
import { startHoldProxy, type HoldProxy } from "@/bench/soak/hold-proxy";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { ensureComponent, NOWHERE, sandboxAppids, seedSandboxAuthorizer, seedTicket } from "../jobs/seed";

/** A portal process refreshing `appid` through the proxy; resolves with its exit signal. */
function startRefreshProcess({ t, proxy, appid }: { t: TestDatabase; proxy: HoldProxy; appid: string }) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "--import", "./scripts/server-only.mjs", "tests/integration/faults/refresh-worker.ts"],
    {
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        WECHAT_API_BASE: proxy.url,
        WECHAT_MP_BASE: proxy.url,
        WECHAT_OPEN_BASE: proxy.url,
        AUTHORIZER_APPID: appid,
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.once("exit", (_code, signal) => resolve({ signal, output })),
  );
  return { child, exited };
}

describe(`kill -9 mid-refresh, refresh token rotating on every refresh (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let proxy: HoldProxy;
  let appids: string[];

  const sandboxRefreshToken = (appid: string) => sandbox.state.findAuthorization(appid)!.refreshToken;
  const portalRefreshToken = async (appid: string) => {
    const row = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    return openColumn({ ciphertext: row.refreshTokenEnc, keyId: row.refreshTokenKeyId, context: refreshContext(appid) });
  };
  const status = async (appid: string) => (await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid } })).status;

  /** Starts a refresh in another process, holds WeChat's answer, kills the process with SIGKILL. */
  async function killMidRefresh(appid: string): Promise<void> {
    const before = sandboxRefreshToken(appid);
    const held = proxy.holdNext("/cgi-bin/component/api_authorizer_token", appid);
    const portal = startRefreshProcess({ t, proxy, appid });
    const answer = await held;
    expect(answer.status).toBe(200);
    // WeChat has answered (and rotated); the portal has not written anything yet.
    expect(sandboxRefreshToken(appid)).not.toBe(before);
    portal.child.kill("SIGKILL");
    const { signal, output } = await portal.exited;
    expect(signal, output).toBe("SIGKILL");
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE, rotateRefreshEvery: 1 });
    proxy = await startHoldProxy({ target: sandbox.url });
    await ensureComponent();
    await seedTicket({ sandbox });
    appids = sandboxAppids(sandbox).slice(0, 4);
    for (const appid of appids) await seedSandboxAuthorizer({ sandbox, appid });
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await fetch(`${sandbox.url}/sandbox/api/faults`, { method: "DELETE" });
  });

  it("the restarted portal refreshes with the rotated-away token while WeChat still accepts it", async () => {
    const appid = appids[0]!;
    const saved = await portalRefreshToken(appid);
    await killMidRefresh(appid);
    // The rotated token died with the process: the database still holds the old one.
    expect(await portalRefreshToken(appid)).toBe(saved);
    expect(sandboxRefreshToken(appid)).not.toBe(saved);

    await refreshAuthorizerToken(appid, { force: true });
    expect(await status(appid)).toBe("authorized");
    expect(await portalRefreshToken(appid)).toBe(sandboxRefreshToken(appid));
  });

  it("restarted after the old token's grace ran out: recovered from api_get_authorizer_info", async () => {
    const appid = appids[1]!;
    await killMidRefresh(appid);
    // WeChat keeps a rotated-away refresh token for an hour; the portal stays down longer.
    await sandboxControl(sandbox, "clock/advance", { seconds: 3700 });

    await refreshAuthorizerToken(appid, { force: true });
    expect(await status(appid)).toBe("authorized");
    expect(await portalRefreshToken(appid)).toBe(sandboxRefreshToken(appid));
  });

  it("killed twice in a row, so the saved token is neither WeChat's current nor its previous one", async () => {
    const appid = appids[2]!;
    await killMidRefresh(appid);
    await killMidRefresh(appid);

    await refreshAuthorizerToken(appid, { force: true });
    expect(await status(appid)).toBe("authorized");
    expect(await portalRefreshToken(appid)).toBe(sandboxRefreshToken(appid));
  });

  it("WeChat failing transiently while the token is recovered leaves the account authorized, and the next refresh recovers it", async () => {
    const appid = appids[3]!;
    await killMidRefresh(appid);
    await sandboxControl(sandbox, "clock/advance", { seconds: 3700 });
    // The restart meets a WeChat hiccup exactly when the portal asks which refresh token it holds.
    await sandboxControl(sandbox, "faults", {
      faults: [
        { kind: "http5xx", endpoint: "api_get_authorizer_info", count: 1 },
        { kind: "http5xx", endpoint: "api_get_authorizer_list", count: 1 },
      ],
    });

    await expect(refreshAuthorizerToken(appid, { force: true })).rejects.toThrow();
    // "WeChat did not answer" is not "WeChat holds no refresh token".
    expect(await status(appid)).toBe("authorized");
    const credential = await t.database.prisma.authorizerCredential.findUniqueOrThrow({ where: { authorizerAppid: appid } });
    expect(credential.disabledAt).toBeNull();

    await refreshAuthorizerToken(appid, { force: true });
    expect(await status(appid)).toBe("authorized");
    expect(await portalRefreshToken(appid)).toBe(sandboxRefreshToken(appid));
  });
});
