// Forwarding lag: user messages posted to the message URL at a steady rate (200 a second for a
// minute by default), each acknowledged by the portal's production build and then delivered by its
// relay as a signed message.received webhook to a receiver. Lag is from the message leaving "WeChat"
// (the load generator, bench/forwarding-load.ts, a process of its own after 20 s of warm-up at the
// same rate) to its arrival at the receiver here (a webhook may arrive before WeChat has read the
// portal's answer). Also samples the portal's resident memory every 10 s (those from after the
// warm-up count), so a long run is the soak: `bench/forwarding.ts 300 600` is 10 minutes at 300/s.
// Prints the figures; asserts nothing.
//   npx tsx --import ./scripts/server-only.mjs bench/forwarding.ts [perSecond=200] [seconds=60]
import { readFileSync } from "node:fs";
import { openDatabase, installDatabase } from "../lib/db";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { startReceiver } from "./receiver";
import { benchKeys, freshDatabase, percentile, runLoadProcess, startPortals } from "./support";

const perSecond = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 60);
/** At the same rate before the measured part: the portal's JIT, pools and caches settle. */
const WARM_UP_SECONDS = 20;
/** Resident memory of a process, in MiB (Linux /proc). */
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

type LoadResult = {
  measuredFrom: number;
  sentFor: number;
  acked: [string, number][];
  refused: Record<string, number>;
  p50: number;
  p99: number;
};

const scratch = await freshDatabase();
const receiver = await startReceiver();
// The endpoint is written as the management API writes it (sealed with the portal's key).
Object.assign(process.env, benchKeys, { DATABASE_URL: scratch.url, WEBHOOK_ALLOW_PRIVATE: "true" });
const database = openDatabase({ url: scratch.url });
installDatabase(database);
const { generateSecret, sealSecret } = await import("../lib/webhooks/send");
await database.prisma.component.create({ data: { appid: DEMO_COMPONENT.appid } });
await database.prisma.webhookEndpoint.create({
  data: { componentAppid: DEMO_COMPONENT.appid, url: receiver.url, events: ["message.received"], ...sealSecret(generateSecret()) },
});
const portals = await startPortals({
  ports: [3520],
  databaseUrl: scratch.url,
  wechatBase: "http://127.0.0.1:9",
  env: { JOBS_ENABLED: "true", WEBHOOK_ALLOW_PRIVATE: "true" },
});
try {
  const rss: { at: number; mib: number }[] = [];
  const sampler = setInterval(() => rss.push({ at: Date.now(), mib: rssMiB(portals.pids[0]!) }), 10_000);
  const load = await runLoadProcess<LoadResult>("bench/forwarding-load.ts", [portals.urls[0]!, perSecond, seconds, WARM_UP_SECONDS]);
  clearInterval(sampler);
  rss.push({ at: Date.now(), mib: rssMiB(portals.pids[0]!) });
  const measured = rss.filter((sample) => sample.at >= load.measuredFrom).map((sample) => sample.mib);
  const sentAt = new Map(load.acked);
  // Everything acknowledged must arrive.
  const { lags, lost } = await receiver.lags([...sentAt.keys()], (id) => sentAt.get(id)!);
  console.log(
    `\nForwarding: ${perSecond * seconds} text messages at ${perSecond}/s over ${load.sentFor.toFixed(1)} s (after ${WARM_UP_SECONDS} s of warm-up) to 100 accounts, 1 portal process, PostgreSQL`,
  );
  console.log(
    `acknowledged ${sentAt.size}, not acknowledged ${JSON.stringify(load.refused)}, delivered ${lags.length}, lost ${lost}, receiver requests ${receiver.requests()}`,
  );
  console.log(`ack latency   p50 ${load.p50.toFixed(1)} ms   p99 ${load.p99.toFixed(1)} ms`);
  console.log(
    `forwarding lag p50 ${percentile(lags, 50).toFixed(0)} ms   p99 ${percentile(lags, 99).toFixed(0)} ms   max ${(lags.at(-1) ?? NaN).toFixed(0)} ms`,
  );
  const [first, last] = [measured[0]!, measured.at(-1)!];
  console.log(
    `portal RSS: ${first.toFixed(0)} MiB after the warm-up, ${last.toFixed(0)} MiB at the end (${(((last - first) / first) * 100).toFixed(1)}%), max ${Math.max(...measured).toFixed(0)} MiB over ${measured.length} samples\n`,
  );
} finally {
  await portals.stop();
  receiver.close();
  await database.close();
  await new Promise((r) => setTimeout(r, 1000));
  await scratch.drop();
}
