// Event ingestion: encrypted component pushes per second and p50/p99 latency against the portal's
// production build on PostgreSQL, and in the same run a minimal node:http server doing the same
// verify + decrypt + insert, so the figure is a ratio (what the framework and the product add).
//   npx tsx --import ./scripts/server-only.mjs bench/event-ingestion.ts [total=3000] [concurrency=32]
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { MessageCrypto } from "../lib/wechat/crypto";
import { parseComponentPush, dedupeKeyFor } from "../lib/wechat/component-push";
import { parseEnvelope } from "../lib/wechat/push-envelope";
import { buildXml } from "../lib/wechat/xml";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { freshDatabase, load, startPortals } from "./support";

const total = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 32);
const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

/** A distinct, validly signed ticket push per index (distinct pushes: nothing is deduplicated away). */
function makePush(i: number, run: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(100000 + i);
  const xml = buildXml({
    AppId: DEMO_COMPONENT.appid,
    CreateTime: 1_700_000_000 + i,
    InfoType: "component_verify_ticket",
    ComponentVerifyTicket: `ticket@@@${run}-${i}`,
  });
  const sealed = crypto.seal({ plaintext: xml, timestamp, nonce });
  const query = new URLSearchParams({ signature: "x", timestamp, nonce, encrypt_type: "aes", msg_signature: sealed.msgSignature });
  return {
    query: query.toString(),
    body: `<xml><AppId><![CDATA[${DEMO_COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
  };
}

/** The floor: node:http, verify + decrypt + parse, one INSERT ... ON CONFLICT into the same table. */
async function startMinimal(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const q = new URL(req.url!, "http://x").searchParams;
    try {
      const envelope = parseEnvelope(Buffer.concat(chunks).toString("utf8"));
      const xml = crypto.decryptVerified({
        msgSignature: q.get("msg_signature")!,
        timestamp: q.get("timestamp")!,
        nonce: q.get("nonce")!,
        encrypt: envelope.encrypt,
      });
      const push = parseComponentPush(xml);
      await pool.query(
        `INSERT INTO received_pushes (id, dedupe_key, component_appid, info_type, create_time, payload, payload_enc, payload_key_id)
         VALUES ($1, $2, $3, $4, $5, '{}', $6, 'k') ON CONFLICT (dedupe_key) DO NOTHING`,
        [randomUUID(), dedupeKeyFor(push), push.AppId, push.InfoType, push.createdAt, xml],
      );
      res.end("success");
    } catch {
      res.statusCode = 400;
      res.end("bad");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.close();
      await pool.end();
    },
  };
}

async function measure(url: string, run: string) {
  const pushes = Array.from({ length: total }, (_, i) => makePush(i, run));
  // Warm up (JIT, connection pools), then measure.
  await load({
    total: 200,
    concurrency,
    send: async (i) =>
      void (
        await fetch(`${url}/api/wechat/component/events?${makePush(total + i, `${run}-warm`).query}`, {
          method: "POST",
          body: makePush(total + i, `${run}-warm`).body,
        })
      ).text(),
  });
  let failures = 0;
  const result = await load({
    total,
    concurrency,
    send: async (i) => {
      const p = pushes[i]!;
      const response = await fetch(`${url}/api/wechat/component/events?${p.query}`, {
        method: "POST",
        body: p.body,
        headers: { "content-type": "text/xml" },
      });
      if ((await response.text()) !== "success") failures++;
    },
  });
  return { ...result, failures };
}

const db = await freshDatabase();
const minimal = await startMinimal(db.url);
const portals = await startPortals({ ports: [3510], databaseUrl: db.url, wechatBase: "http://127.0.0.1:9" });
try {
  const floor = await measure(minimal.url, "minimal");
  const portal = await measure(portals.urls[0]!, "portal");
  const row = (name: string, r: typeof floor) =>
    `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(8)} /s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   failures ${r.failures}`;
  console.log(`\nEvent ingestion: ${total} encrypted pushes, ${concurrency} in flight, PostgreSQL, 1 process each`);
  console.log(row("minimal node:http (floor)", floor));
  console.log(row("portal (next start, production)", portal));
  console.log(
    `ratio portal/floor: throughput ${(portal.perSecond / floor.perSecond).toFixed(2)}x, p50 ${(portal.p50 / floor.p50).toFixed(2)}x, p99 ${(portal.p99 / floor.p99).toFixed(2)}x\n`,
  );
} finally {
  portals.stop();
  await minimal.close();
  await new Promise((r) => setTimeout(r, 1000));
  await db.drop();
}
