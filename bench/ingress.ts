// Ingress: the portal's production server against a floor in the same run, with the load generator in
// a process of its own (bench/ingress-load.ts). The traffic (bench/ingress-traffic.ts) is the mix a
// component with 1,000 authorizers sees: ~90% messages on the message URL, 9% authorization events,
// 1% tickets. The floor is a bare node:http + pg server doing the same work per request: verify,
// decrypt and parse, then the same statements on the same prepared-statement pool (a message: the
// outbox's statement, with the portal's group commit; a push: the received_pushes insert, sealed).
// The portal also forwards each message to a receiver here (its relay runs) and processes the pushes;
// the figures are throughput, p50/p99 at `concurrency` in flight, the ratio, the forwarding lag (from
// sent to received), and the CPU time per request of the server, PostgreSQL and the load generator.
//   npx tsx --import ./scripts/server-only.mjs bench/ingress.ts [total=10000] [concurrency=32] [mix=realistic|messages]
//   (BENCH_CPU_PROFILE=<dir>: the portal's CPU profile of the run, for bench/cpu-profile.ts;
//   BENCH_JOBS=false: the portal without its relay and jobs, to see what the ingress alone costs)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { installDatabase, openDatabase } from "../lib/db";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { MessageCrypto } from "../lib/wechat/crypto";
import { parseEnvelope } from "../lib/wechat/push-envelope";
import { parseAuthorizerMessage } from "../lib/wechat/authorizer-message";
import { dedupeKeyFor, parseComponentPush } from "../lib/wechat/component-push";
import { AUTHORIZERS, authorizerAppid, type Mix } from "./ingress-traffic";
import { cpuMsOfCommand, cpuMsOfTree, percentile } from "./stats";
import { startReceiver } from "./receiver";
import { benchKeys, commitsOf, freshDatabase, runLoadProcess, startPortals } from "./support";

const total = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 32);
const mix = (process.argv[4] ?? "realistic") as Mix;
if (mix !== "realistic" && mix !== "messages") throw new Error(`mix must be realistic or messages, not ${mix}`);
Object.assign(process.env, benchKeys, { WEBHOOK_ALLOW_PRIVATE: "true", LOG_LEVEL: "error" });
const { recordEvents } = await import("../lib/webhooks/outbox");
const { groupCommit } = await import("../lib/db/group-commit");
const { messageDedupeKey, messageEventData } = await import("../lib/messages/forward");
const { sealPushPayload } = await import("../lib/credentials/push-payload");
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

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

/** The floor: node:http and pg, the same checks and statements, nothing else (no framework, no after-work). */
async function startFloor(databaseUrl: string) {
  // The portal's own pool wrapper (prepared statements) and group commit: the same statements, bare.
  const database = openDatabase({ url: databaseUrl, max: 10 });
  const store = groupCommit({ write: (inputs: Parameters<typeof recordEvents>[1]) => recordEvents(database.sql, inputs) });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url!, "http://floor");
      const q = url.searchParams;
      try {
        const envelope = parseEnvelope(Buffer.concat(chunks).toString("utf8"));
        const xml = crypto.decryptVerified({
          msgSignature: q.get("msg_signature")!,
          timestamp: q.get("timestamp")!,
          nonce: q.get("nonce")!,
          encrypt: envelope.encrypt,
        });
        if (url.pathname.startsWith("/api/wechat/messages/")) {
          const appid = url.pathname.split("/").at(-1)!;
          const message = parseAuthorizerMessage(xml);
          await store({
            type: "message.received",
            data: messageEventData({ componentAppid: DEMO_COMPONENT.appid, authorizerAppid: appid, merchantRef: null, message, xml }),
            merchantRefOfAuthorizer: true,
            message: { msgType: message.MsgType, event: message.Event ?? null },
            dedupeKey: messageDedupeKey({ componentAppid: DEMO_COMPONENT.appid, authorizerAppid: appid, message }),
          });
        } else {
          const push = parseComponentPush(xml);
          const dedupeKey = dedupeKeyFor(push);
          const sealed = sealPushPayload({ dedupeKey, xml });
          await database.sql.$queryRawUnsafe(
            `INSERT INTO received_pushes (id, dedupe_key, component_appid, info_type, create_time, payload, payload_enc, payload_key_id)
             VALUES ($1, $2, $3, $4, $5, '{}', $6, $7) ON CONFLICT (dedupe_key) DO NOTHING`,
            randomUUID(),
            dedupeKey,
            push.AppId,
            push.InfoType,
            push.createdAt,
            sealed.ciphertext,
            sealed.keyId,
          );
        }
        res.end("success");
      } catch (error) {
        res.statusCode = 400;
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pid: process.pid,
    close: async () => (server.close(), await database.close()),
  };
}

type LoadResult = {
  perSecond: number;
  p50: number;
  p99: number;
  wallMs: number;
  cpuMs: number;
  failures: Record<string, number>;
  sentAt: Record<string, number>;
};

/** One run against `url`, with the CPU time the server (`serverCpuMs`, a running total) and PostgreSQL spent on it. */
async function generate(url: string, run: number, serverCpuMs: () => Promise<number>) {
  const [serverBefore, postgresBefore] = [await serverCpuMs(), await cpuMsOfCommand("postgres")];
  const result = await runLoadProcess<LoadResult>("bench/ingress-load.ts", [url, total, concurrency, run, mix]);
  return { ...result, serverMs: (await serverCpuMs()) - serverBefore, postgresMs: (await cpuMsOfCommand("postgres")) - postgresBefore };
}
const ownCpuMs = async () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const receiver = await startReceiver();
const floorDb = await freshDatabase();
const portalDb = await freshDatabase();
await seed(floorDb.url, "http://127.0.0.1:9/floor-never-delivers");
await seed(portalDb.url, receiver.url);
const floor = await startFloor(floorDb.url);
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
  const floorResult = await generate(floor.url, 1, ownCpuMs);
  const commitsBefore = await commitsOf(portalDb.url);
  const portalResult = await generate(portals.urls[0]!, 2, () => cpuMsOfTree(portals.pids[0]!));
  const cpuMs = portalResult.serverMs;
  // Every text message acknowledged must arrive.
  const expected = Object.keys(portalResult.sentAt);
  const { lags, lost } = await receiver.lags(expected, (id) => portalResult.sentAt[id]!);
  const accepted = total - Object.values(portalResult.failures).reduce((a, b) => a + b, 0);
  const perRequest = (ms: number) => `${((ms / total) * 1000).toFixed(0)} µs`;
  const row = (name: string, r: Awaited<ReturnType<typeof generate>>) =>
    `${name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(7)} /s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   failed ${JSON.stringify(r.failures)}\n` +
    `${"".padEnd(28)} CPU per request: server ${perRequest(r.serverMs)}, PostgreSQL ${perRequest(r.postgresMs)}, load generator ${perRequest(r.cpuMs)}`;
  const described = mix === "messages" ? "messages only" : "90% messages, 9% authorization events, 1% tickets";
  console.log(
    `\nIngress: ${total} requests (${described}), ${concurrency} in flight, PostgreSQL${process.env.BENCH_JOBS === "false" ? ", relay off" : ""}`,
  );
  console.log(row("floor (node:http + pg)", floorResult));
  console.log(row("portal (npm start)", portalResult));
  console.log(
    `ratio portal/floor: throughput ${(portalResult.perSecond / floorResult.perSecond).toFixed(2)}x, p99 ${(portalResult.p99 / floorResult.p99).toFixed(2)}x`,
  );
  console.log(
    `forwarding lag (sent → received): p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms, ${lost} of ${expected.length} text messages not delivered`,
  );
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
  await floor.close();
  await new Promise((r) => setTimeout(r, 1000));
  await floorDb.drop();
  await portalDb.drop();
}
