// Scenario: database outage. (A) The database stops for a moment while the sandbox keeps pushing
// (authorizations, permission changes, tickets) with WeChat's own retries: every attempt made while
// it is down must be answered 5xx, and each acknowledged push stored and processed once after it
// returns. (B) A longer outage, past WeChat's retries, while merchants authorize, revoke and change
// permission sets: those pushes are gone for good, and the portal must end with the same accounts
// as WeChat once it has reconciled (api_get_authorizer_list / _info) on its own.
import type { Delivery } from "../../sandbox/state/types";
import { accountsEqual, compareAccounts, PORTAL_ACCOUNTS_SQL, portalAccounts, sandboxAccounts } from "./accounts";
import {
  callCollector,
  formatCounts,
  freePort,
  scenarioFolder,
  sleep,
  startPortalProcess,
  startSoakDatabase,
  startSoakSandbox,
  waitFor,
} from "./harness";
import { addAccounts, authorize, narrowPermissionSets, revoke } from "./merchants";
import { auditPushes, STORED_PUSHES_SQL, type Outage, type StoredPush } from "./push-ledger";
import type { ScenarioResult } from "./report";

const LOAD_SECONDS = 12;
const ACTION_EVERY_MS = 150;
const SHORT_OUTAGE_AT_MS = 4000;
const SHORT_OUTAGE_MS = 2000;
/** Past WeChat's 3 retries a second apart (and their 5 s answer timeouts). */
const LONG_OUTAGE_MIN_MS = 10_000;
const RECONCILE_TIMEOUT_MS = 240_000;

export async function runDatabaseOutage(): Promise<ScenarioResult> {
  const started = Date.now();
  const folder = scenarioFolder("outage");
  const db = await startSoakDatabase(folder.path);
  const port = await freePort();
  // WeChat's delivery: 5 s to answer `success`, 3 retries a second apart.
  const sandbox = await startSoakSandbox({
    eventUrl: `http://127.0.0.1:${port}/api/wechat/component/events`,
    ticketIntervalSeconds: 0,
    pushRetries: 3,
    pushRetryDelayMs: 1000,
    pushTimeoutMs: 5000,
  });
  const calls = callCollector(sandbox);
  const collecting = setInterval(() => calls.collect(), 250);
  const portal = await startPortalProcess({
    port,
    databaseUrl: db.url,
    wechatBase: sandbox.url,
    dataDir: folder.path,
    logFile: `${folder.path}/portal.log`,
    jobs: true,
  });
  const failures: string[] = [];
  const notes: string[] = [];
  const outages: Outage[] = [];
  let keep = true;
  try {
    await sandbox.pushTicket();
    const accounts = addAccounts(sandbox, { prefix: "outage", count: 60 }).map((account) => account.appid);
    let nextAccount = 0;
    const authorized: string[] = [];
    const deliveries: Promise<Delivery>[] = [];

    // (A) Pushes every ACTION_EVERY_MS for LOAD_SECONDS; the database is down for a moment meanwhile.
    const actions = { authorized: 0, narrowed: 0, tickets: 0 };
    const loadStarted = Date.now();
    const shortOutage = (async () => {
      await sleep(SHORT_OUTAGE_AT_MS);
      await db.stop();
      const from = Date.now();
      await sleep(SHORT_OUTAGE_MS);
      outages.push({ from, to: Date.now() });
      await db.restart();
    })();
    for (let i = 0; Date.now() - loadStarted < LOAD_SECONDS * 1000 && i < (LOAD_SECONDS * 1000) / ACTION_EVERY_MS; i++) {
      const kind = i % 3;
      if (kind === 0 && nextAccount < accounts.length) {
        const appid = accounts[nextAccount++]!;
        deliveries.push(authorize(sandbox, appid));
        authorized.push(appid);
        actions.authorized++;
      } else if (kind === 1 && authorized.length > 2) {
        deliveries.push(narrowPermissionSets(sandbox, authorized[i % (authorized.length - 1)]!));
        actions.narrowed++;
      } else {
        deliveries.push(sandbox.pushTicket());
        actions.tickets++;
      }
      await sleep(ACTION_EVERY_MS);
    }
    await shortOutage;
    const shortDone = await Promise.all(deliveries);
    const settled = await waitFor(
      async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM received_pushes WHERE processed_at IS NULL`))[0]!.n === 0,
      {
        timeoutMs: 120_000,
        intervalMs: 500,
      },
    );
    if (!settled) failures.push("(A) stored pushes still unprocessed 120 s after the outage");
    const audit = auditPushes({ deliveries: shortDone, stored: await db.query<StoredPush>(STORED_PUSHES_SQL), outages });
    notes.push(
      `(A) ${audit.deliveries} pushes (${actions.authorized} authorized, ${actions.narrowed} updateauthorized, ${actions.tickets} tickets) in ${LOAD_SECONDS} s; ` +
        `database down ${Math.round((outages[0]!.to - outages[0]!.from) / 100) / 10} s (+ restart); ${audit.attemptsDuringOutage} attempts while down, ${audit.answered5xxDuringOutage} answered 5xx; ` +
        `${audit.acknowledged} acknowledged and processed, ${audit.processingRetried} needed a second processing attempt; WeChat gave up on ${audit.gaveUp}`,
    );
    if (audit.acknowledgedDuringOutage > 0)
      failures.push(`(A) ${audit.acknowledgedDuringOutage} attempts answered other than 5xx while the database was down`);
    if (audit.attemptsDuringOutage === 0) failures.push("(A) no push attempt fell inside the outage: the scenario did not test anything");

    // (B) A longer outage: merchants act while every push and its retries fail.
    const longFrom = Date.now();
    await db.stop();
    const stoppedAt = Date.now();
    const lostPushes: Promise<Delivery>[] = [];
    const changes = { authorized: [] as string[], revoked: [] as string[], narrowed: [] as string[] };
    for (let i = 0; i < 3 && nextAccount < accounts.length; i++) {
      const appid = accounts[nextAccount++]!;
      changes.authorized.push(appid);
      lostPushes.push(authorize(sandbox, appid));
    }
    const active = [...sandboxAccounts(sandbox.state).keys()].filter((appid) => !changes.authorized.includes(appid));
    for (const appid of active.slice(0, 2)) {
      changes.revoked.push(appid);
      lostPushes.push(revoke(sandbox, appid));
    }
    for (const appid of active.slice(2, 4)) {
      changes.narrowed.push(appid);
      lostPushes.push(narrowPermissionSets(sandbox, appid));
    }
    lostPushes.push(sandbox.pushTicket());
    const gone = await Promise.all(lostPushes);
    const remaining = LONG_OUTAGE_MIN_MS - (Date.now() - stoppedAt);
    if (remaining > 0) await sleep(remaining);
    outages.push({ from: stoppedAt, to: Date.now() });
    await db.restart();
    const longOutageMs = Date.now() - longFrom;
    if (gone.some((delivery) => delivery.state !== "failed"))
      failures.push("(B) a push got through during the long outage: it was not long enough");
    const gaveUp = gone.filter((delivery) => delivery.state === "failed").length;

    // WeChat's next ticket, ten minutes on; then the portal's own gap detection and reconciliation.
    const reconcileFrom = Date.now();
    await sandbox.pushTicket();
    let diff = compareAccounts({ sandbox: sandboxAccounts(sandbox.state), portal: portalAccounts(await db.query(PORTAL_ACCOUNTS_SQL)) });
    const converged = await waitFor(
      async () => {
        diff = compareAccounts({ sandbox: sandboxAccounts(sandbox.state), portal: portalAccounts(await db.query(PORTAL_ACCOUNTS_SQL)) });
        return accountsEqual(diff);
      },
      { timeoutMs: RECONCILE_TIMEOUT_MS, intervalMs: 1000 },
    );
    const reconcileSeconds = Math.round((Date.now() - reconcileFrom) / 1000);
    const unreconciled = diff.missing.length + diff.extra.length + diff.differentSets.length;
    notes.push(
      `(B) database down ${Math.round(longOutageMs / 1000)} s; WeChat gave up on ${gaveUp} pushes (${changes.authorized.length} authorized, ${changes.revoked.length} revoked, ` +
        `${changes.narrowed.length} sets changed, 1 ticket); ` +
        (converged
          ? `the portal's ${diff.portal} accounts equal WeChat's ${reconcileSeconds} s after the database returned`
          : `after ${reconcileSeconds} s still ${diff.missing.length} missing, ${diff.extra.length} not revoked, ${diff.differentSets.length} with other permission sets`),
    );
    if (!converged) {
      failures.push(
        `(B) the portal's accounts differ from WeChat's ${Math.round(RECONCILE_TIMEOUT_MS / 1000)} s after the outage (no reconciliation?)`,
      );
    }
    const lost = audit.lost.length + audit.acknowledgedDuringOutage + (converged ? 0 : unreconciled);
    keep = lost > 0 || failures.length > 0;
    if (keep) notes.push(`portal log kept: ${folder.path}/portal.log`);
    calls.collect();
    return {
      name: "1. database outage",
      load: `(A) ${audit.deliveries} pushes with WeChat's retries in ${LOAD_SECONDS} s; (B) ${gone.length} merchant actions during the outage; 1 portal process`,
      faults: `database stopped twice: ${Math.round((outages[0]!.to - outages[0]!.from) / 1000)} s (+ restart) during (A), ${Math.round(longOutageMs / 1000)} s during (B)`,
      lost,
      lostDetail:
        lost === 0
          ? `every acknowledged push stored and processed once; ${audit.answered5xxDuringOutage}/${audit.attemptsDuringOutage} attempts answered 5xx while down; accounts equal WeChat's after reconciliation`
          : `${audit.lost.length} acknowledged pushes lost, ${audit.acknowledgedDuringOutage} acknowledged while down, ${converged ? 0 : unreconciled} accounts differ from WeChat`,
      upstream: formatCounts(calls.counts),
      failures,
      notes,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    clearInterval(collecting);
    await portal.stop().catch(() => {});
    await sandbox.close();
    await db.close();
    if (!keep) folder.remove();
  }
}
