// Ingress: the portal's production server against a floor in the same run, with the load generator in
// a process of its own (bench/ingress-load.ts). The traffic (bench/ingress-traffic.ts) is the mix a
// component with 1,000 authorizers sees: ~90% messages on the message URL, 9% authorization events,
// 1% tickets. The floor (bench/ingress-floor.ts) is a bare node:http + pg server in a process of its
// own doing the same work per request: the same checks and statements on the same prepared-statement
// pool, and, like the portal, it forwards each message to a receiver here (through the portal's relay
// module: the same claims and results). The portal also applies the pushes. The figures are
// throughput, p50/p99 (all, and by kind) at `concurrency` in flight, the ratio, the forwarding lag
// (from sent to received), and the CPU time per request of the server, PostgreSQL and the load
// generator.
//   npx tsx --import ./scripts/server-only.mjs bench/ingress.ts [total=10000] [concurrency=32] [mix=realistic|messages]
//   (BENCH_CPU_PROFILE=<dir>: the portal's CPU profile of the run, for bench/cpu-profile.ts;
//   BENCH_JOBS=false: neither forwards (the portal without its relay and jobs, the floor without
//   its relay), to see what the ingress alone costs)
import { installDatabase, openDatabase } from "../lib/db";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { AUTHORIZERS, authorizerAppid, type Mix } from "./ingress-traffic";
import { cpuMsOfCommand, cpuMsOfTree, percentile } from "./stats";
import { startReceiver } from "./receiver";
import { benchKeys, commitsOf, freshDatabase, runLoadProcess, startPortals, startServerProcess } from "./support";

const total = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 32);
const mix = (process.argv[4] ?? "realistic") as Mix;
if (mix !== "realistic" && mix !== "messages") throw new Error(`mix must be realistic or messages, not ${mix}`);
Object.assign(process.env, benchKeys, { WEBHOOK_ALLOW_PRIVATE: "true", LOG_LEVEL: "error" });
const relayOn = process.env.BENCH_JOBS !== "false";
const { generateSecret, sealSecret } = await import("../lib/webhooks/send");

/** 1,000 authorizers with their merchants, and one endpoint that wants every message. */
async function seed(url: string, receiverUrl: string) {
  const database = openDatabase({ url });
  const prisma = database.prisma;
  await prisma.component.create({ data: { appid: DEMO_COMPONENT.appid } });
  await prisma.authorizer.createMany({
    data: Array.from({ length: AUTHORIZERS }, (_, n) => ({
      appid: authorizerAppid(n),
      componentAppid: DEMO_COMPONENT.appid,
      accountType: "official_account" as const,
      merchantRef: `merchant-${n % 200}`,
    })),
  });
  installDatabase(database);
  await prisma.webhookEndpoint.create({
    data: { componentAppid: DEMO_COMPONENT.appid, url: receiverUrl, events: ["message.received"], ...sealSecret(generateSecret()) },
  });
  await database.close();
}

type LoadResult = {
  perSecond: number;
  p50: number;
  p99: number;
  wallMs: number;
  cpuMs: number;
  byKind: Record<string, { p50: number; p99: number }>;
  failures: Record<string, number>;
  sentAt: Record<string, number>;
};

/** One run against `url`, with the CPU time the server (`serverCpuMs`, a running total) and PostgreSQL spent on it. */
async function generate(url: string, run: number, serverCpuMs: () => Promise<number>) {
  const [serverBefore, postgresBefore] = [await serverCpuMs(), await cpuMsOfCommand("postgres")];
  const result = await runLoadProcess<LoadResult>("bench/ingress-load.ts", [url, total, concurrency, run, mix]);
  return { ...result, serverMs: (await serverCpuMs()) - serverBefore, postgresMs: (await cpuMsOfCommand("postgres")) - postgresBefore };
}
/** Every text message acknowledged must arrive: how long each took, and how many never did. */
async function forwarded(at: Awaited<ReturnType<typeof startReceiver>>, result: LoadResult) {
  if (!relayOn) return "";
  const expected = Object.keys(result.sentAt);
  const { lags, lost } = await at.lags(expected, (id) => result.sentAt[id]!);
  return `p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms, ${lost} of ${expected.length} text messages not delivered`;
}

const receiver = await startReceiver();
const floorReceiver = await startReceiver();
const floorDb = await freshDatabase();
const portalDb = await freshDatabase();
await seed(floorDb.url, floorReceiver.url);
await seed(portalDb.url, receiver.url);
// The floor inherits this process's settings (the same keys).
const floor = await startServerProcess("bench/ingress-floor.ts", [floorDb.url, String(relayOn)]);
const portals = await startPortals({
  ports: [3530],
  databaseUrl: portalDb.url,
  wechatBase: "http://127.0.0.1:9",
  env: {
    JOBS_ENABLED: process.env.BENCH_JOBS ?? "true",
    WEBHOOK_ALLOW_PRIVATE: "true",
    LOG_LEVEL: "error",
  },
});
try {
  const floorResult = await generate(floor.url, 1, () => cpuMsOfTree(floor.pid));
  const floorForwarded = await forwarded(floorReceiver, floorResult);
  const commitsBefore = await commitsOf(portalDb.url);
  const portalResult = await generate(portals.urls[0]!, 2, () => cpuMsOfTree(portals.pids[0]!));
  const cpuMs = portalResult.serverMs;
  const portalForwarded = await forwarded(receiver, portalResult);
  const accepted = total - Object.values(portalResult.failures).reduce((a, b) => a + b, 0);
  const perRequest = (ms: number) => `${((ms / total) * 1000).toFixed(0)} µs`;
  const row = (name: string, r: Awaited<ReturnType<typeof generate>>) =>
    `${name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(7)} /s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   failed ${JSON.stringify(r.failures)}\n` +
    `${"".padEnd(28)} CPU per request: server ${perRequest(r.serverMs)}, PostgreSQL ${perRequest(r.postgresMs)}, load generator ${perRequest(r.cpuMs)}\n` +
    `${"".padEnd(28)} p50/p99 by kind: ${Object.entries(r.byKind)
      .map(([kind, { p50, p99 }]) => `${kind} ${p50.toFixed(1)}/${p99.toFixed(1)} ms`)
      .join(", ")}`;
  const described = mix === "messages" ? "messages only" : "90% messages, 9% authorization events, 1% tickets";
  console.log(
    `\nIngress: ${total} requests (${described}), ${concurrency} in flight, PostgreSQL${process.env.BENCH_JOBS === "false" ? ", relay off" : ""}`,
  );
  console.log(row("floor (node:http + pg)", floorResult));
  console.log(row("portal (npm start)", portalResult));
  console.log(
    `ratio portal/floor: throughput ${(portalResult.perSecond / floorResult.perSecond).toFixed(2)}x, p99 ${(portalResult.p99 / floorResult.p99).toFixed(2)}x`,
  );
  if (relayOn) {
    console.log(`forwarding lag (sent → received): portal ${portalForwarded}`);
    console.log(`                                  floor  ${floorForwarded}`);
  }
  console.log(
    `portal CPU: ${((cpuMs / accepted) * 1000).toFixed(0)} µs per accepted request (${(cpuMs / 1000).toFixed(1)} s for ${accepted}, relay included)`,
  );
  // Once the deliveries are in (lags above): every transaction the portal committed for the run, relay and retries included.
  const commits = (await commitsOf(portalDb.url)) - commitsBefore;
  console.log(
    `portal database: ${(commits / accepted).toFixed(2)} transactions per accepted request (${commits} for ${accepted}, relay included)\n`,
  );
} finally {
  await portals.stop();
  receiver.close();
  floorReceiver.close();
  await floor.close();
  await new Promise((r) => setTimeout(r, 1000));
  await floorDb.drop();
  await portalDb.drop();
}
