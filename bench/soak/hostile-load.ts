// Scenario: hostile load. `concurrency` anonymous requests at once to each public endpoint (the auth
// callback with made-up codes, the public attempt API, /authorize, /m/authorize, the event URL, the
// message URL, sign-in), each with its own timeout, while /api/health is polled. Nothing may hang:
// every request is answered within its timeout and health answers (and not "down") throughout.
// The upstream calls each burst caused show what an anonymous caller can make the portal spend.
import { randomBytes } from "node:crypto";
import { DEMO_COMPONENT } from "../../lib/wechat/demo-component";
import {
  callCollector,
  formatCounts,
  freePort,
  scenarioFolder,
  sleep,
  startPortalProcess,
  startSoakDatabase,
  startSoakSandbox,
} from "./harness";
import type { ScenarioResult } from "./report";
import { SOAK_ADMIN } from "./settings";

const REQUEST_TIMEOUT_MS = 60_000;
const HEALTH_TIMEOUT_MS = 5_000;
const HEALTH_EVERY_MS = 500;
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN";

type Outcome = { status?: number; error?: string; ms: number; label?: string };
type Burst = { name: string; outcomes: Outcome[]; health: Outcome[]; upstream: Record<string, number> };

const random = (bytes: number) => randomBytes(bytes).toString("base64url");

async function timed(send: () => Promise<Response>, timeoutMs: number, classify?: (body: string) => string): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await Promise.race([
      send(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
    ]);
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, ...(classify ? { label: classify(body) } : {}) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
  }
}

function summarize(outcomes: Outcome[]): { answered: number; unanswered: number; statuses: string; p50: number; p99: number; max: number } {
  const answered = outcomes.filter((outcome) => outcome.status !== undefined);
  const byStatus = new Map<string, number>();
  for (const outcome of answered) {
    const key = outcome.label ? `${outcome.status} ${outcome.label}` : String(outcome.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  const sorted = outcomes.map((outcome) => outcome.ms).sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
  return {
    answered: answered.length,
    unanswered: outcomes.length - answered.length,
    statuses: [...byStatus]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}×${count}`)
      .join(" "),
    p50: at(0.5),
    p99: at(0.99),
    max: Math.round(sorted.at(-1) ?? 0),
  };
}

export async function runHostileLoad({ concurrency = 200 }: { concurrency?: number } = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const folder = scenarioFolder("hostile");
  const db = await startSoakDatabase(folder.path);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sandbox = await startSoakSandbox({
    eventUrl: `${base}/api/wechat/component/events`,
    messageUrl: `${base}/api/wechat/messages/$APPID$`,
    authDomain: `127.0.0.1:${port}`,
    ticketIntervalSeconds: 0,
  });
  const calls = callCollector(sandbox);
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
  let keep = true;
  try {
    await sandbox.pushTicket();
    // A real attempt for the renewal burst: what a merchant's page would hold.
    const opened = await fetch(`${base}/authorize`, { redirect: "manual" });
    await opened.arrayBuffer();
    const attemptId = new URL(opened.headers.get("location") ?? "/", base).searchParams.get("attempt");

    const forgedQuery = () =>
      new URLSearchParams({
        signature: random(20),
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: random(6),
        encrypt_type: "aes",
        msg_signature: random(20),
      });
    const bursts: { name: string; send: (i: number) => Promise<Response>; classify?: (body: string) => string }[] = [
      {
        name: "auth callback, made-up codes",
        send: () =>
          fetch(`${base}/api/wechat/authorize/callback?auth_code=queryauthcode@@@${random(48)}&expires_in=3600`, { redirect: "manual" }),
      },
      { name: "attempt API, made-up ids", send: () => fetch(`${base}/api/authorize/attempts/${random(16)}`) },
      ...(attemptId
        ? [
            {
              name: "attempt API, renewals of one attempt",
              send: () => fetch(`${base}/api/authorize/attempts/${attemptId}/renew`, { method: "POST" }),
            },
          ]
        : []),
      { name: "/authorize", send: () => fetch(`${base}/authorize`, { redirect: "manual" }) },
      {
        name: "/m/authorize (half inside WeChat)",
        send: (i) => fetch(`${base}/m/authorize`, { redirect: "manual", headers: i % 2 === 0 ? { "user-agent": WECHAT_UA } : {} }),
      },
      {
        name: "event URL, forged pushes",
        send: () =>
          fetch(`${base}/api/wechat/component/events?${forgedQuery()}`, {
            method: "POST",
            headers: { "content-type": "text/xml" },
            body: `<xml><AppId><![CDATA[${DEMO_COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${random(300)}]]></Encrypt></xml>`,
          }),
      },
      {
        name: "message URL, forged messages",
        send: () =>
          fetch(`${base}/api/wechat/messages/wx${randomBytes(8).toString("hex")}?${forgedQuery()}&openid=o${random(20)}`, {
            method: "POST",
            headers: { "content-type": "text/xml" },
            body: `<xml><ToUserName><![CDATA[gh_${randomBytes(6).toString("hex")}]]></ToUserName><Encrypt><![CDATA[${random(300)}]]></Encrypt></xml>`,
          }),
      },
      {
        name: "sign-in, wrong passwords",
        send: async () => {
          const csrf = await fetch(`${base}/api/auth/csrf`);
          const { csrfToken } = (await csrf.json()) as { csrfToken: string };
          const cookie = csrf.headers
            .getSetCookie()
            .map((value) => value.split(";")[0])
            .join("; ");
          return fetch(`${base}/api/auth/callback/credentials`, {
            method: "POST",
            redirect: "manual",
            headers: { "content-type": "application/x-www-form-urlencoded", cookie },
            body: new URLSearchParams({ csrfToken, email: SOAK_ADMIN.email, password: random(12), json: "true" }),
          });
        },
        // next-auth names the outcome in the URL it answers: error=invalid, error=throttled:<s>, or another error.
        classify: (body) => {
          const url = (JSON.parse(body) as { url?: string }).url;
          return url ? (new URL(url).searchParams.get("error")?.split(":")[0] ?? "no error") : "no url";
        },
      },
    ];
    if (!attemptId) notes.push(`/authorize answered ${opened.status} without an attempt to resume: the renewal burst was skipped`);

    const results: Burst[] = [];
    for (const burst of bursts) {
      calls.collect();
      const mark = { ...calls.counts };
      const health: Outcome[] = [];
      let loading = true;
      const polling = (async () => {
        while (loading) {
          health.push(await timed(() => fetch(`${base}/api/health`), HEALTH_TIMEOUT_MS));
          await sleep(HEALTH_EVERY_MS);
        }
      })();
      const outcomes = await Promise.all(
        Array.from({ length: concurrency }, (_, i) => timed(() => burst.send(i), REQUEST_TIMEOUT_MS, burst.classify)),
      );
      loading = false;
      await polling;
      // Still serving once the burst is over.
      health.push(await timed(() => fetch(`${base}/api/health`), HEALTH_TIMEOUT_MS));
      calls.collect();
      const upstream: Record<string, number> = {};
      for (const [endpoint, count] of Object.entries(calls.counts))
        if (count > (mark[endpoint] ?? 0)) upstream[endpoint] = count - (mark[endpoint] ?? 0);
      results.push({ name: burst.name, outcomes, health, upstream });
    }

    let unanswered = 0;
    let healthMissed = 0;
    for (const burst of results) {
      const s = summarize(burst.outcomes);
      const h = summarize(burst.health);
      const healthDown = burst.health.filter((outcome) => outcome.status === 503).length;
      unanswered += s.unanswered;
      healthMissed += h.unanswered;
      notes.push(
        `${burst.name}: ${s.answered}/${burst.outcomes.length} answered (${s.statuses || "none"}), p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms; ` +
          `health ${h.answered}/${burst.health.length} answered (${h.statuses || "none"}), max ${h.max} ms; upstream: ${formatCounts(burst.upstream)}`,
      );
      if (s.unanswered > 0) {
        const reasons = [...new Set(burst.outcomes.filter((outcome) => outcome.error).map((outcome) => outcome.error))].slice(0, 3);
        failures.push(`${burst.name}: ${s.unanswered} of ${burst.outcomes.length} requests not answered (${reasons.join("; ")})`);
      }
      const crashes = burst.outcomes.filter((outcome) => outcome.status === 500).length;
      if (crashes > 0)
        failures.push(`${burst.name}: ${crashes} of ${burst.outcomes.length} answered 500 (an unhandled error, not a deliberate 503)`);
      if (h.unanswered > 0)
        failures.push(
          `${burst.name}: /api/health did not answer ${h.unanswered} of ${burst.health.length} polls within ${HEALTH_TIMEOUT_MS} ms`,
        );
      if (healthDown > 0)
        failures.push(
          `${burst.name}: /api/health said the database was unreachable (503) in ${healthDown} of ${burst.health.length} polls`,
        );
    }
    const lost = unanswered + healthMissed;
    keep = lost > 0 || failures.length > 0;
    if (keep) notes.push(`portal log kept: ${folder.path}/portal.log`);
    calls.collect();
    return {
      name: "4. hostile load",
      load: `${results.length} public endpoints × ${concurrency} concurrent anonymous requests (${results.length * concurrency}), /api/health polled every ${HEALTH_EVERY_MS} ms, 1 portal process`,
      faults: "made-up auth codes and attempt ids, forged signatures, wrong passwords, bots on the merchant pages",
      lost,
      lostDetail:
        lost === 0 ? "every request and health poll answered" : `${unanswered} requests and ${healthMissed} health polls unanswered`,
      upstream: formatCounts(calls.counts),
      failures,
      notes,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await portal.stop().catch(() => {});
    await sandbox.close();
    await db.close();
    if (!keep) folder.remove();
  }
}
