// The floor of bench/ingress.ts, in a process of its own (as the portal is): node:http and pg doing
// what the portal does per request with nothing else: verify, decrypt and parse, then the same
// statements on the portal's own prepared-statement pool (a message: the outbox's statement, with
// the portal's group commit; a push: the received_pushes insert, sealed). With `relay` it forwards
// each message as the portal does, through the portal's relay module on the floor's database (the
// same claims and results). Prints {"url"} once it listens; SIGTERM stops it.
//   (started by bench/ingress.ts: tsx --import ./scripts/server-only.mjs bench/ingress-floor.ts <database-url> <relay: true|false>)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { installDatabase, openDatabase } from "../lib/db";
import { groupCommit } from "../lib/db/group-commit";
import { sealPushPayload } from "../lib/credentials/push-payload";
import { WEBHOOK_CONCURRENCY } from "../lib/jobs/settings";
import { messageDedupeKey, messageEventData } from "../lib/messages/forward";
import { recordEvents } from "../lib/webhooks/outbox";
import { startRelay } from "../lib/webhooks/relay";
import { parseAuthorizerMessage } from "../lib/wechat/authorizer-message";
import { dedupeKeyFor, parseComponentPush } from "../lib/wechat/component-push";
import { MessageCrypto } from "../lib/wechat/crypto";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { parseEnvelope } from "../lib/wechat/push-envelope";

const [databaseUrl, relayArg] = process.argv.slice(2);
if (!databaseUrl || (relayArg !== "true" && relayArg !== "false"))
  throw new Error("usage: ingress-floor.ts <database-url> <relay: true|false>");
const relayOn = relayArg === "true";

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

/** The floor: node:http and pg, the same checks and statements, nothing else (no framework, no after-work). */
async function startFloor(databaseUrl: string) {
  // The portal's own pool wrapper (prepared statements) and group commit: the same statements, bare.
  const database = openDatabase({ url: databaseUrl, max: 10 });
  // The relay's statements run on the process-wide database: this process's is the floor's.
  installDatabase(database);
  const relay = relayOn ? startRelay({ connectionString: databaseUrl, concurrency: WEBHOOK_CONCURRENCY }) : null;
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
    close: async () => (server.close(), await relay?.stop(), await database.close()),
  };
}

const floor = await startFloor(databaseUrl);
console.log(JSON.stringify({ url: floor.url }));
process.once("SIGTERM", () => void floor.close().then(() => process.exit(0)));
