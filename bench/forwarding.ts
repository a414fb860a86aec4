// Forwarding lag: user messages posted to the message URL at a steady rate (200 a second for a
// minute by default), each acknowledged by the portal's production build and then delivered by its
// relay as a signed message.received webhook to a receiver. Lag is from the message leaving "WeChat"
// (the load generator) to its arrival at the receiver (a webhook may arrive before WeChat has read
// the portal's answer). Also samples the portal's resident memory every 10 s (from after the warm-up),
// so a long run is the soak: `bench/forwarding.ts 300 600` is 10 minutes at 300 messages a second.
// Prints the figures; asserts nothing.
//   npx tsx --import ./scripts/server-only.mjs bench/forwarding.ts [perSecond=200] [seconds=60]
import { readFileSync } from "node:fs";
import { openDatabase, installDatabase } from "../lib/db";
import { MessageCrypto } from "../lib/wechat/crypto";
import { buildXml } from "../lib/wechat/xml";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { startReceiver } from "./receiver";
import { benchKeys, freshDatabase, percentile, startPortals } from "./support";

const perSecond = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 60);
const ACCOUNTS = 100;
const total = perSecond * seconds;
const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});
/** Resident memory of a process, in MiB (Linux /proc). */
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

const appidOf = (n: number) => `wx${(0xbe00000000000000n + BigInt(n)).toString(16)}`;

function makeMessage(i: number) {
  const appid = appidOf(i % ACCOUNTS);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(100000 + i);
  const xml = buildXml({
    ToUserName: `gh_${appid.slice(2, 14)}`,
    FromUserName: `o_bench_user_${i % 997}`,
    CreateTime: Number(timestamp),
    MsgType: "text",
    Content: `message ${i}`,
    MsgId: String(7_000_000_000_000_000_000n + BigInt(i)),
  });
  const sealed = crypto.seal({ plaintext: xml, timestamp, nonce });
  const query = new URLSearchParams({ signature: "x", timestamp, nonce, encrypt_type: "aes", msg_signature: sealed.msgSignature });
  return {
    msgId: String(7_000_000_000_000_000_000n + BigInt(i)),
    url: `/api/wechat/messages/${appid}?${query}`,
    body: `<xml><ToUserName><![CDATA[gh_${appid.slice(2, 14)}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
  };
}

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
const base = portals.urls[0]!;
try {
  // Warm up: the workers start and the queue exists before the measured messages.
  for (let i = 0; i < 50; i++) {
    const m = makeMessage(total + i);
    await fetch(base + m.url, { method: "POST", body: m.body }).then((r) => r.text());
  }
  const rss = [rssMiB(portals.pids[0]!)];
  const sampler = setInterval(() => rss.push(rssMiB(portals.pids[0]!)), 10_000);
  const sentAt = new Map<string, number>();
  const acked = new Set<string>();
  const ackLatencies: number[] = [];
  let refused = 0;
  const started = performance.now();
  const sends: Promise<void>[] = [];
  // Open loop: message i leaves at started + i / perSecond, whatever the portal's pace.
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const m = makeMessage(i);
    const t0 = performance.now();
    sentAt.set(m.msgId, Date.now());
    sends.push(
      fetch(base + m.url, { method: "POST", body: m.body, headers: { "content-type": "text/xml" } })
        .then(async (response) => {
          const text = await response.text();
          if (response.status !== 200 || text !== "success") throw new Error(`${response.status} ${text}`);
          acked.add(m.msgId);
          ackLatencies.push(performance.now() - t0);
        })
        .catch(() => {
          refused++;
        }),
    );
  }
  await Promise.all(sends);
  clearInterval(sampler);
  rss.push(rssMiB(portals.pids[0]!));
  const sentFor = (performance.now() - started) / 1000;
  // Everything acknowledged must arrive.
  const { lags, lost } = await receiver.lags([...acked], (id) => sentAt.get(id)!);
  ackLatencies.sort((a, b) => a - b);
  console.log(
    `\nForwarding: ${total} text messages at ${perSecond}/s over ${sentFor.toFixed(1)} s to ${ACCOUNTS} accounts, 1 portal process, PostgreSQL`,
  );
  console.log(
    `acknowledged ${acked.size}, refused ${refused}, delivered ${lags.length}, lost ${lost}, receiver requests ${receiver.requests()}`,
  );
  console.log(`ack latency   p50 ${percentile(ackLatencies, 50).toFixed(1)} ms   p99 ${percentile(ackLatencies, 99).toFixed(1)} ms`);
  console.log(
    `forwarding lag p50 ${percentile(lags, 50).toFixed(0)} ms   p99 ${percentile(lags, 99).toFixed(0)} ms   max ${(lags.at(-1) ?? NaN).toFixed(0)} ms`,
  );
  const [first, last] = [rss[0]!, rss.at(-1)!];
  console.log(
    `portal RSS: ${first.toFixed(0)} MiB after the warm-up, ${last.toFixed(0)} MiB at the end (${(((last - first) / first) * 100).toFixed(1)}%), max ${Math.max(...rss).toFixed(0)} MiB over ${rss.length} samples\n`,
  );
} finally {
  await portals.stop();
  receiver.close();
  await database.close();
  await new Promise((r) => setTimeout(r, 1000));
  await scratch.drop();
}
