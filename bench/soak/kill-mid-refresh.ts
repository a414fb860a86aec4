// Scenario: kill -9 mid-refresh. A portal process refreshing an authorizer's token (its background
// job) is killed with SIGKILL between WeChat's answer and its write, while the sandbox rotates the
// refresh token on every refresh: the rotated token dies with the process. The hold proxy makes the
// moment exact: it lets the request reach the sandbox and keeps the answer. Then the process is
// started again, sometimes after the rotated-away token's grace has run out, sometimes killed twice
// in a row, sometimes meeting a WeChat 5xx while it recovers. No account may end up needing
// re-authorization, and every one must end with a token WeChat accepts.
import { accessContext, refreshContext } from "../../lib/credentials/authorizer-credentials";
import { openColumn } from "../../lib/credentials/vault";
import {
  callCollector,
  formatCounts,
  freePort,
  scenarioFolder,
  startJobClient,
  startPortalProcess,
  startSoakDatabase,
  startSoakSandbox,
  waitFor,
} from "./harness";
import { startHoldProxy } from "./hold-proxy";
import { authorize, seededAppids } from "./merchants";
import type { ScenarioResult } from "./report";

type Variant = "restart" | "after-grace" | "twice" | "recovery-5xx";
const VARIANTS: Variant[] = ["restart", "after-grace", "twice", "recovery-5xx"];
/** Longer than the hour WeChat keeps a rotated-away refresh token. */
const PAST_GRACE_SECONDS = 3700;

export async function runKillMidRefresh({
  rounds = 8,
  authorizers = 4,
}: { rounds?: number; authorizers?: number } = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const folder = scenarioFolder("kill");
  const db = await startSoakDatabase(folder.path);
  const port = await freePort();
  const sandbox = await startSoakSandbox({
    eventUrl: `http://127.0.0.1:${port}/api/wechat/component/events`,
    ticketIntervalSeconds: 0,
    rotateRefreshEvery: 1,
  });
  const proxy = await startHoldProxy({ target: sandbox.url });
  const calls = callCollector(sandbox);
  const collecting = setInterval(() => calls.collect(), 250);
  const failures: string[] = [];
  const notes: string[] = [];
  let kills = 0;
  let advances = 0;
  let faults5xx = 0;
  let restarts = 0;
  let roundsWithoutToken = 0;
  let keep = true;
  const portal = await startPortalProcess({
    port,
    databaseUrl: db.url,
    wechatBase: proxy.url,
    dataDir: folder.path,
    logFile: `${folder.path}/portal.log`,
    jobs: true,
  });
  const boss = await startJobClient(db.url);
  try {
    await sandbox.pushTicket();
    const appids = seededAppids(sandbox).slice(0, authorizers);
    await Promise.all(appids.map((appid) => authorize(sandbox, appid)));
    const seeded = await waitFor(
      async () => {
        const rows = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM authorizer_credentials WHERE authorizer_appid = ANY($1) AND refresh_token_enc IS NOT NULL`,
          [appids],
        );
        return rows[0]!.n === appids.length;
      },
      { timeoutMs: 60_000 },
    );
    if (!seeded) throw new Error("the portal did not complete the seeded authorizations");

    const credential = async (appid: string) =>
      (
        await db.query<{
          version: number;
          accessTokenEnc: string | null;
          accessTokenKeyId: string | null;
          refreshTokenEnc: string | null;
          refreshTokenKeyId: string | null;
          lastRefreshedAt: Date | null;
        }>(
          `SELECT version, access_token_enc AS "accessTokenEnc", access_token_key_id AS "accessTokenKeyId", refresh_token_enc AS "refreshTokenEnc",
                  refresh_token_key_id AS "refreshTokenKeyId", last_refreshed_at AS "lastRefreshedAt"
           FROM authorizer_credentials WHERE authorizer_appid = $1`,
          [appid],
        )
      )[0]!;
    const makeDue = (appid: string) =>
      db.query(`UPDATE authorizer_credentials SET access_token_refresh_at = now() - interval '1 second' WHERE authorizer_appid = $1`, [
        appid,
      ]);
    const askForRefresh = (appid: string) => boss.send("refresh-authorizer", { appid }, { singletonKey: appid });

    /** The portal's background job refreshes `appid`; WeChat answers (and rotates); the process is killed. */
    const killMidRefresh = async (appid: string): Promise<boolean> => {
      const before = sandbox.state.findAuthorization(appid)!.refreshToken;
      const savedVersion = (await credential(appid)).version;
      await makeDue(appid);
      const held = proxy.holdNext("/cgi-bin/component/api_authorizer_token", appid);
      await askForRefresh(appid);
      const answer = await Promise.race([held, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000))]);
      if (!answer) {
        failures.push(`the refresh of ${appid} never reached WeChat`);
        return false;
      }
      await portal.kill9();
      kills++;
      if (sandbox.state.findAuthorization(appid)!.refreshToken === before) failures.push(`WeChat did not rotate ${appid}'s refresh token`);
      if ((await credential(appid)).version !== savedVersion) failures.push(`the killed process wrote ${appid}'s credential anyway`);
      return true;
    };

    /** After a restart: the token is refreshed (the job retries after a WeChat failure) and WeChat accepts it. */
    const refreshedAndValid = async (appid: string, since: Date): Promise<boolean> => {
      await makeDue(appid);
      await askForRefresh(appid);
      const done = await waitFor(
        async () => {
          const row = await credential(appid);
          return row.lastRefreshedAt !== null && new Date(row.lastRefreshedAt) > since ? row : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      if (!done) return false;
      const token = openColumn({ ciphertext: done.accessTokenEnc, keyId: done.accessTokenKeyId, context: accessContext(appid) });
      const refresh = openColumn({ ciphertext: done.refreshTokenEnc, keyId: done.refreshTokenKeyId, context: refreshContext(appid) });
      const now = sandbox.context.clock.now();
      const valid = sandbox.state.data.authorizerTokens.some((t) => t.authorizerAppid === appid && t.value === token && t.expiresAt > now);
      if (!valid) failures.push(`${appid}: the stored access token is not one WeChat accepts`);
      if (refresh !== sandbox.state.findAuthorization(appid)!.refreshToken)
        failures.push(`${appid}: the stored refresh token is not WeChat's current one`);
      return valid;
    };

    for (let round = 0; round < rounds; round++) {
      const variant = VARIANTS[round % VARIANTS.length]!;
      const appid = appids[round % appids.length]!;
      const since = new Date();
      if (!(await killMidRefresh(appid))) break;
      if (variant === "twice") {
        await portal.restart();
        restarts++;
        if (!(await killMidRefresh(appid))) break;
      }
      const pastGrace = variant === "after-grace" || variant === "recovery-5xx";
      if (pastGrace) {
        sandbox.context.clock.advance(PAST_GRACE_SECONDS);
        advances++;
      }
      if (variant === "recovery-5xx") {
        sandbox.state.addFault({ kind: "http5xx", endpoint: "api_get_authorizer_info", count: 1 });
        sandbox.state.addFault({ kind: "http5xx", endpoint: "api_get_authorizer_list", count: 1 });
        faults5xx += 2;
      }
      await portal.restart();
      restarts++;
      // WeChat pushes a ticket every 10 minutes: after an hour the portal has a recent one.
      if (pastGrace) await sandbox.pushTicket();
      if (!(await refreshedAndValid(appid, since))) {
        roundsWithoutToken++;
        failures.push(`round ${round + 1} (${variant}): ${appid} got no new token within 90 s after the restart`);
      }
    }

    const statuses = await db.query<{ appid: string; status: string; disabled: boolean }>(
      `SELECT a.appid, a.status::text AS status, c.disabled_at IS NOT NULL AS disabled
       FROM authorizers a JOIN authorizer_credentials c ON c.authorizer_appid = a.appid WHERE a.appid = ANY($1)`,
      [appids],
    );
    const lostAccounts = statuses.filter((row) => row.status !== "authorized" || row.disabled);
    calls.collect();
    const lost = lostAccounts.length + roundsWithoutToken;
    keep = lost > 0 || failures.length > 0;
    if (keep) notes.push(`portal log kept: ${folder.path}/portal.log`);
    return {
      name: "2. kill -9 mid-refresh",
      load: `${appids.length} authorizers, refresh token rotated on every refresh, ${rounds} rounds, 1 portal process started ${restarts + 1} times`,
      faults: `${kills} × SIGKILL after WeChat answered (rotated) and before the write; ${advances} × clock +${PAST_GRACE_SECONDS} s (rotated-away token expired); ${faults5xx} × WeChat 5xx while recovering`,
      lost,
      lostDetail:
        lost === 0
          ? "no account needs re-authorization; every token valid at WeChat"
          : `${lostAccounts.map((row) => `${row.appid} ${row.status}${row.disabled ? " (disabled)" : ""}`).join(", ") || "no account lost"}; ${roundsWithoutToken} rounds without a new token`,
      upstream: formatCounts(calls.counts),
      failures,
      notes,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    clearInterval(collecting);
    await boss.stop({ graceful: false, wait: false }).catch(() => {});
    await portal.stop().catch(() => {});
    await proxy.close();
    await sandbox.close();
    await db.close();
    if (!keep) folder.remove();
  }
}
