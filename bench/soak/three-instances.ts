// Scenario: three portal instances (processes) through a WeChat day on an accelerated clock
// (SANDBOX_CLOCK), 1,000 authorizers seeded at both ends with their tokens' ages spread over a
// lifetime, merchants authorizing more during the day, and WeChat pushing tickets every (scaled)
// ten minutes through a round-robin balancer. Judged from WeChat's side (the sandbox's issued
// tokens): every token refreshed before it expired, never two refreshes where one was due, every
// push acknowledged and processed.
//
// The portal's schedule is a real-time minute (a pg-boss cron) that queues what falls due within
// the next minute: on a clock N times faster, a token's whole life can pass between two ticks. So the
// driver adds a credential tick every `tickEverySeconds` (the same pg-boss job the schedule sends);
// 0 leaves the portal's own schedule alone.
import { randomBytes } from "node:crypto";
import { sealAuthorizerTokens } from "../../lib/credentials/authorizer-credentials";
import { DEMO_COMPONENT } from "../../lib/wechat/demo-component";
import { LIFETIMES, issueRefreshToken } from "../../sandbox/state/issue";
import type { AuthorizerToken, Delivery } from "../../sandbox/state/types";
import { startBalancer } from "./balancer";
import {
  callCollector,
  formatCounts,
  freePort,
  scenarioFolder,
  sleep,
  startJobClient,
  startPortalProcess,
  startSoakDatabase,
  startSoakSandbox,
  waitFor,
  type PortalProcess,
} from "./harness";
import { addAccounts, allSetsOf, authorize } from "./merchants";
import { auditPushes, STORED_PUSHES_SQL, type StoredPush } from "./push-ledger";
import type { ScenarioResult } from "./report";

const INSTANCES = 3;
/** Real seconds between two new merchants during the day. */
const AUTHORIZE_EVERY_MS = 15_000;

type TokenCheck = {
  refreshes: number;
  expiredGaps: number;
  expiredAccounts: Set<string>;
  deadAtEnd: string[];
  duplicates: number;
  maxGapSeconds: number;
};

/** From WeChat's side: consecutive tokens of each authorizer, issued before the previous one expired? */
function checkTokens({
  tokens,
  appids,
  dayEnd,
  lifetimeMs,
}: {
  tokens: AuthorizerToken[];
  appids: string[];
  dayEnd: number;
  lifetimeMs: number;
}): TokenCheck {
  const byAppid = new Map<string, AuthorizerToken[]>();
  for (const token of tokens) {
    const list = byAppid.get(token.authorizerAppid) ?? [];
    list.push(token);
    byAppid.set(token.authorizerAppid, list);
  }
  const check: TokenCheck = { refreshes: 0, expiredGaps: 0, expiredAccounts: new Set(), deadAtEnd: [], duplicates: 0, maxGapSeconds: 0 };
  for (const appid of appids) {
    const list = (byAppid.get(appid) ?? []).sort((a, b) => a.createdAt - b.createdAt);
    if (list.length === 0) {
      check.deadAtEnd.push(appid);
      continue;
    }
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      const current = list[i]!;
      if (current.origin.kind === "refresh") check.refreshes++;
      if (current.createdAt > previous.naturalExpiresAt) {
        check.expiredGaps++;
        check.expiredAccounts.add(appid);
        check.maxGapSeconds = Math.max(check.maxGapSeconds, (current.createdAt - previous.naturalExpiresAt) / 1000);
      }
      // The portal refreshes at 85% of a lifetime: two tokens within half of one is a refresh nobody needed.
      if (current.createdAt - previous.createdAt < lifetimeMs / 2) check.duplicates++;
    }
    if (list.at(-1)!.naturalExpiresAt <= dayEnd) check.deadAtEnd.push(appid);
  }
  return check;
}

export async function runThreeInstances({
  authorizers = 1000,
  clock = 120,
  tickEverySeconds = 5,
  daySeconds = 86_400,
}: {
  authorizers?: number;
  clock?: number;
  tickEverySeconds?: number;
  /** WeChat seconds the run covers: a day. */
  daySeconds?: number;
} = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const folder = scenarioFolder("instances");
  const db = await startSoakDatabase(folder.path);
  const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
  const balancer = await startBalancer({ targets: ports.map((port) => `http://127.0.0.1:${port}`) });
  const sandbox = await startSoakSandbox({
    eventUrl: `${balancer.url}/api/wechat/component/events`,
    clock,
    rotateRefreshEvery: 5,
  });
  const calls = callCollector(sandbox);
  const collecting = setInterval(() => calls.collect(), 250);
  const failures: string[] = [];
  const notes: string[] = [];
  let keep = true;
  const portals: PortalProcess[] = [];
  const boss = { current: undefined as Awaited<ReturnType<typeof startJobClient>> | undefined };
  try {
    portals.push(
      ...(await Promise.all(
        ports.map((port, index) =>
          startPortalProcess({
            port,
            databaseUrl: db.url,
            wechatBase: sandbox.url,
            dataDir: folder.path,
            logFile: `${folder.path}/portal-${index + 1}.log`,
            jobs: true,
          }),
        ),
      )),
    );
    boss.current = await startJobClient(db.url);
    await sandbox.pushTicket();

    // 1,000 authorizers at both ends, their tokens issued over the last 80% of a lifetime.
    const lifetimeSeconds = sandbox.context.clock.expiresIn(LIFETIMES.authorizerToken);
    const lifetimeMs = sandbox.context.clock.lifetimeMs(LIFETIMES.authorizerToken);
    const seeded = addAccounts(sandbox, { prefix: "day", count: authorizers }).map((account) => account.appid);
    const reserve = addAccounts(sandbox, { prefix: "daynew", count: Math.ceil((daySeconds * 1000) / clock / AUTHORIZE_EVERY_MS) + 2 }).map(
      (account) => account.appid,
    );
    const seededAt = Date.now();
    const rows = seeded.map((appid, index) => {
      const createdAt = seededAt - Math.floor((index / seeded.length) * 0.8 * lifetimeMs);
      const accessToken = `${80 + (index % 10)}_${randomBytes(60).toString("base64url")}`;
      const refreshToken = issueRefreshToken(sandbox.context);
      sandbox.state.data.authorizations.push({
        authorizerAppid: appid,
        funcIds: allSetsOf(sandbox, appid),
        refreshToken,
        refreshCount: 0,
        authTimeUnix: Math.floor(seededAt / 1000),
        options: {},
      });
      sandbox.state.data.authorizerTokens.push({
        value: accessToken,
        authorizerAppid: appid,
        origin: { kind: "refresh" },
        createdAt,
        expiresAt: createdAt + lifetimeMs,
        naturalExpiresAt: createdAt + lifetimeMs,
      });
      const sealed = sealAuthorizerTokens({ appid, accessToken, expiresIn: lifetimeSeconds, refreshToken, now: new Date(createdAt) });
      return { appid, sealed };
    });
    sandbox.state.changed();
    await db.query(
      `INSERT INTO authorizers (appid, component_appid, account_type, status, nick_name, updated_at)
       SELECT appid, $2, 'official_account', 'authorized', '压测公众号' || appid, now() FROM unnest($1::text[]) AS appid`,
      [seeded, DEMO_COMPONENT.appid],
    );
    await db.query(
      `INSERT INTO authorizer_permission_sets (authorizer_appid, funcscope_id)
       SELECT appid, funcscope_id FROM unnest($1::text[]) AS appid CROSS JOIN unnest($2::int[]) AS funcscope_id`,
      [seeded, allSetsOf(sandbox, seeded[0]!)],
    );
    await db.query(
      `INSERT INTO authorizer_credentials (authorizer_appid, access_token_enc, access_token_key_id, access_token_expires_at, access_token_refresh_at,
                                           refresh_token_enc, refresh_token_key_id, last_refreshed_at, updated_at)
       SELECT * , now() FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[])`,
      [
        rows.map((row) => row.appid),
        rows.map((row) => row.sealed.accessTokenEnc),
        rows.map((row) => row.sealed.accessTokenKeyId),
        rows.map((row) => row.sealed.accessTokenExpiresAt),
        rows.map((row) => row.sealed.accessTokenRefreshAt),
        rows.map((row) => row.sealed.refreshTokenEnc!),
        rows.map((row) => row.sealed.refreshTokenKeyId!),
        rows.map((row) => row.sealed.lastRefreshedAt),
      ],
    );

    // The day.
    const dayMs = (daySeconds * 1000) / clock;
    const dayStart = Date.now();
    const dayEnd = dayStart + dayMs;
    const firstDelivery = sandbox.state.deliveries.at(-1)?.id ?? 0;
    const churn: Promise<Delivery>[] = [];
    const joined: string[] = [];
    let ticks = 0;
    const ticking =
      tickEverySeconds > 0
        ? setInterval(() => {
            ticks++;
            void boss.current?.send("credential-tick", {}, { singletonKey: "credential-tick" }).catch(() => {});
          }, tickEverySeconds * 1000)
        : undefined;
    let nextAuthorizeAt = dayStart + AUTHORIZE_EVERY_MS;
    while (Date.now() < dayEnd) {
      if (Date.now() >= nextAuthorizeAt && joined.length < reserve.length) {
        const appid = reserve[joined.length]!;
        joined.push(appid);
        churn.push(authorize(sandbox, appid));
        nextAuthorizeAt += AUTHORIZE_EVERY_MS;
      }
      await sleep(250);
    }
    if (ticking) clearInterval(ticking);
    await Promise.all(churn);
    const settled = await waitFor(
      async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM received_pushes WHERE processed_at IS NULL`))[0]!.n === 0,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    if (!settled) failures.push("stored pushes still unprocessed 60 s after the day");
    calls.collect();

    // Judged at the end of the day, from WeChat's side.
    const newcomers = joined.filter((appid) => sandbox.state.findAuthorization(appid));
    const check = checkTokens({ tokens: sandbox.state.data.authorizerTokens, appids: [...seeded, ...newcomers], dayEnd, lifetimeMs });
    const deliveries = sandbox.state.deliveries.filter((delivery) => delivery.id > firstDelivery && delivery.kind === "push");
    const audit = auditPushes({ deliveries, stored: await db.query<StoredPush>(STORED_PUSHES_SQL) });
    const portalSide = (
      await db.query<{ expired: number; inactive: number; joined: number }>(
        `SELECT count(*) FILTER (WHERE a.status IN ('authorized','updated') AND (c.access_token_expires_at IS NULL OR c.access_token_expires_at < now()))::int AS expired,
                count(*) FILTER (WHERE a.status NOT IN ('authorized','updated') OR c.disabled_at IS NOT NULL)::int AS inactive,
                count(*) FILTER (WHERE a.appid = ANY($1))::int AS joined
         FROM authorizers a JOIN authorizer_credentials c ON c.authorizer_appid = a.appid`,
        [joined],
      )
    )[0]!;
    const health = await Promise.all(
      portals.map(async (portal) => {
        const response = await fetch(`${portal.url}/api/health`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
        const body = response ? ((await response.json().catch(() => ({}))) as { status?: string; problems?: string[] }) : {};
        return `${body.status ?? "no answer"}${body.problems?.length ? ` (${body.problems.join(", ")})` : ""}`;
      }),
    );
    const backlog = (
      await db.query<{ waiting: number; active: number }>(
        `SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting, count(*) FILTER (WHERE state = 'active')::int AS active
         FROM pgboss.job WHERE name = 'refresh-authorizer'`,
      )
    )[0]!;
    const expectedRefreshes = Math.round(((seeded.length + newcomers.length / 2) * dayMs) / (0.85 * lifetimeMs));
    const refreshCalls = calls.counts.api_authorizer_token ?? 0;
    notes.push(
      `clock ×${clock}: token lifetime ${lifetimeSeconds} s, day ${Math.round(dayMs / 1000)} s; ${seeded.length} seeded + ${newcomers.length} authorized during the day; ` +
        `${check.refreshes} refreshes, ${(check.refreshes / (dayMs / 1000)).toFixed(1)}/s (keeping every token alive takes about ${expectedRefreshes}, ${(expectedRefreshes / (dayMs / 1000)).toFixed(1)}/s); ` +
        `${ticks} extra credential ticks (every ${tickEverySeconds} s); refresh jobs at the end: ${backlog.waiting} waiting, ${backlog.active} running`,
    );
    notes.push(
      `tokens: ${check.expiredAccounts.size} authorizers saw a token expire before the next (${check.expiredGaps} gaps, longest ${Math.round(check.maxGapSeconds)} s), ` +
        `${check.deadAtEnd.length} without a live token at the end; portal side at the end: ${portalSide.expired} expired, ${portalSide.inactive} not active`,
    );
    notes.push(
      `pushes: ${audit.deliveries} (${deliveries.filter((d) => d.infoType === "component_verify_ticket").length} tickets), ${audit.acknowledged} acknowledged, WeChat gave up on ${audit.gaveUp}; balancer spread ${balancer.served.join("/")}`,
    );
    notes.push(`health at the end: ${health.join("; ")}`);
    if (check.duplicates > 0)
      failures.push(`${check.duplicates} refreshes came less than half a lifetime after the previous one (duplicates)`);
    if (audit.gaveUp > 0) failures.push(`WeChat gave up on ${audit.gaveUp} pushes (never acknowledged)`);
    if (portalSide.joined !== newcomers.length)
      failures.push(`${newcomers.length - portalSide.joined} authorizations of the day are missing in the portal`);
    const withoutToken = new Set([...check.expiredAccounts, ...check.deadAtEnd]);
    const lost = withoutToken.size + audit.lost.length + audit.gaveUp;
    keep = lost > 0 || failures.length > 0;
    if (keep) notes.push(`portal logs kept: ${folder.path}/portal-*.log`);
    return {
      name: "3. three instances, accelerated day",
      load: `${INSTANCES} portal processes, ${seeded.length + newcomers.length} authorizers, ${daySeconds === 86_400 ? "a WeChat day" : `${daySeconds} WeChat seconds`} at ×${clock} (${Math.round(dayMs / 1000)} s), ${audit.deliveries} pushes through a balancer`,
      faults: `accelerated clock (tokens live ${lifetimeSeconds} s); refresh token rotated every 5th refresh`,
      lost,
      lostDetail:
        lost === 0
          ? "every token refreshed before it expired; every push acknowledged and processed"
          : `${withoutToken.size} authorizers went without a valid token (${check.expiredAccounts.size} refreshed only after expiry, ${check.deadAtEnd.length} expired at the end), ${audit.lost.length + audit.gaveUp} pushes lost`,
      upstream: `${formatCounts(calls.counts)} (${refreshCalls} token refreshes)`,
      failures,
      notes,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    clearInterval(collecting);
    await boss.current?.stop({ graceful: false, wait: false }).catch(() => {});
    await Promise.all(portals.map((portal) => portal.stop().catch(() => {})));
    await sandbox.close();
    await balancer.close();
    await db.close();
    if (!keep) folder.remove();
  }
}
