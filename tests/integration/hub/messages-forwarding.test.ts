// The message URL as the provider's hub (issue 11, item 4), against a real PostgreSQL and a receiver
// over HTTP: an authorizer's message or event is stored once (WeChat's retries find it by MsgId, or by
// sender + CreateTime + Event) before it is acknowledged, a synchronous route's answer comes back to
// WeChat as the encrypted passive reply (and again to WeChat's retry), a route slower than the reply
// deadline leaves WeChat with `success` and the delivery pending, and without a database WeChat gets
// 503 so it retries.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as postMessage } from "@/app/api/wechat/messages/[appid]/route";
import { db, installDatabase, openDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { readCounters, resetMetricsForTests } from "@/lib/metrics";
import { attemptDelivery } from "@/lib/webhooks/deliveries";
import { buildXml, parseXml } from "@/lib/wechat/xml";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { demoCrypto, openReply } from "../../helpers/message-url";
import { SERVED_BY, serveRoute, type ServedRoute } from "../../helpers/routes";
import { resetPortalCaches } from "../../helpers/sandbox";
import { seedEndpoint, startWebhookReceiver, verifyStandardSignature, type WebhookReceiver } from "../../helpers/webhook-receiver";

const MERCHANT_APPID = "wx1234567890abcdef";
const ACCOUNT = "gh_abcdef123456";
const FAN = "ozy4qt5QUADNXORxCVipKMV9dss0";
const RELEASE_APPID = "wx570bc396a51b8ff8";

const crypto = demoCrypto;

let nonce = 0;
/** Set while the lean ingress answers (over HTTP); else the route handler is called as Next.js would. */
let lean: ServedRoute | undefined;
/** Posts `fields` to the message URL as WeChat would: sealed, signed, with a fresh timestamp and nonce. */
async function send(fields: Record<string, string | number>, { appid = MERCHANT_APPID, forge = false } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const sealed = crypto.seal({ plaintext: buildXml(fields), timestamp, nonce: String(++nonce) });
  const msgSignature = forge ? sealed.msgSignature.replace(/^./, (c) => (c === "a" ? "b" : "a")) : sealed.msgSignature;
  const query = new URLSearchParams({ timestamp, nonce: String(nonce), openid: FAN, encrypt_type: "aes", msg_signature: msgSignature });
  const request = new Request(`http://portal.test/api/wechat/messages/${appid}?${query}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: `<xml><ToUserName><![CDATA[${fields.ToUserName}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
  });
  const response = lean
    ? await fetch(`${lean.url}${new URL(request.url).pathname}?${query}`, {
        method: "POST",
        headers: request.headers,
        body: await request.text(),
      })
    : await postMessage(request, { params: Promise.resolve({ appid }) });
  return { status: response.status, text: await response.text() };
}

const createTime = Math.floor(Date.now() / 1000) - 5;
const text = (content: string, msgId: string) => ({
  ToUserName: ACCOUNT,
  FromUserName: FAN,
  CreateTime: createTime,
  MsgType: "text",
  Content: content,
  MsgId: msgId,
});
const subscribe = (at = createTime) => ({
  ToUserName: ACCOUNT,
  FromUserName: FAN,
  CreateTime: at,
  MsgType: "event",
  Event: "subscribe",
  EventKey: "",
});

const events = () => db().webhookEvent.findMany({ include: { deliveries: true }, orderBy: { createdAt: "asc" } });

describe.each(SERVED_BY)(`message forwarding and passive replies, answered by the %s (${databaseKind}, receiver over HTTP)`, (via) => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // A short reply deadline: the slow route's case waits it out.
    process.env.WEBHOOK_REPLY_TIMEOUT_MS = "400";
    resetPortalCaches();
    t = await createTestDatabase();
    const componentAppid = getEnv().component.appid;
    await db().component.upsert({ where: { appid: componentAppid }, create: { appid: componentAppid }, update: {} });
    await db().authorizer.create({ data: { appid: MERCHANT_APPID, componentAppid, userName: ACCOUNT, merchantRef: "shop-7" } });
    if (via === "lean ingress")
      lean = await serveRoute({ handler: async () => new Response("not a hot path", { status: 404 }), queue: [], via });
  });
  afterAll(async () => {
    await lean?.close();
    lean = undefined;
    await receiver?.close();
    await t?.drop();
    delete process.env.WEBHOOK_REPLY_TIMEOUT_MS;
    resetPortalCaches();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await receiver?.close();
    receiver = await startWebhookReceiver();
    await db().webhookEvent.deleteMany();
    await db().webhookEndpoint.deleteMany();
  });

  it("stores a text message once, with every field, the XML and the account's merchant, and a delivery per endpoint", async () => {
    const everything = await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ msgType: "event" }] });
    await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });

    expect(await send(text("你好 <b>&", "6204315588212340001"))).toEqual({ status: 200, text: "success" });
    const [event, ...more] = await events();
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      type: "message.received",
      authorizerAppid: MERCHANT_APPID,
      merchantRef: "shop-7",
      dedupeKey: `${getEnv().component.appid}:${MERCHANT_APPID}:msgid:6204315588212340001`,
      replyXml: null,
    });
    expect(event!.payload).toMatchObject({
      type: "message.received",
      data: {
        component_appid: getEnv().component.appid,
        authorizer_appid: MERCHANT_APPID,
        merchant_ref: "shop-7",
        msg_type: "text",
        msg_id: "6204315588212340001",
        from_user_name: FAN,
        to_user_name: ACCOUNT,
        create_time: new Date(createTime * 1000).toISOString(),
        create_time_unix: createTime,
        fields: { Content: "你好 <b>&", MsgId: "6204315588212340001", MsgType: "text", CreateTime: String(createTime) },
        xml: buildXml(text("你好 <b>&", "6204315588212340001")),
      },
    });
    // Only the endpoint without routes wants a text message; the one routed to events does not.
    expect(event!.deliveries).toEqual([expect.objectContaining({ endpointId: everything.id, status: "pending", attempts: 0 })]);

    // What the worker then sends is the stored body, signed.
    const outcome = await attemptDelivery(event!.deliveries[0]!.id);
    expect(outcome).toMatchObject({ ok: true });
    const [request] = await receiver.waitFor(1);
    expect(verifyStandardSignature({ secret: everything.secret, headers: request!.headers, body: request!.body })).toBe(true);
    expect(request!.json).toEqual(event!.payload);
  });

  it("stores WeChat's retry of a message (the same MsgId) once", async () => {
    await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    for (let i = 0; i < 3; i++) expect(await send(text("again", "6204315588212340002"))).toEqual({ status: 200, text: "success" });
    await send(text("again", "6204315588212340003"));
    const stored = await events();
    expect(stored.map((event) => (event.payload as { data: { msg_id: string } }).data.msg_id)).toEqual([
      "6204315588212340002",
      "6204315588212340003",
    ]);
    expect(stored.map((event) => event.deliveries.length)).toEqual([1, 1]);
  });

  it("counts what it accepted, deduplicated and refused (the metrics operators watch)", async () => {
    resetMetricsForTests();
    await send(text("counted", "6204315588212340010"));
    await send(text("counted", "6204315588212340010"));
    await send(text("forged", "6204315588212340011"), { forge: true });
    expect((await readCounters()).messages).toEqual(
      expect.arrayContaining([
        { outcome: "accepted", reason: null, count: 1 },
        { outcome: "deduplicated", reason: null, count: 1 },
        { outcome: "refused", reason: "bad_signature", count: 1 },
      ]),
    );
  });

  it("stores WeChat's retry of an event (same sender, CreateTime and Event) once, and another time as another event", async () => {
    expect(await send(subscribe())).toEqual({ status: 200, text: "success" });
    expect(await send(subscribe())).toEqual({ status: 200, text: "success" });
    await send(subscribe(createTime + 1));
    await send({ ...subscribe(), Event: "unsubscribe" });
    const keys = (await events()).map((event) => event.dedupeKey);
    expect(keys).toEqual([
      expect.stringMatching(new RegExp(`:event:${FAN}:${createTime}:subscribe$`)),
      expect.stringMatching(new RegExp(`:event:${FAN}:${createTime + 1}:subscribe$`)),
      expect.stringMatching(new RegExp(`:event:${FAN}:${createTime}:unsubscribe$`)),
    ]);
    expect((await events())[0]!.payload).toMatchObject({ data: { msg_type: "event", event: "subscribe", fields: { EventKey: "" } } });
  });

  it("stores nothing for a bad signature, and nothing for a release-check account", async () => {
    await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    expect(await send(text("forged", "6204315588212340004"), { forge: true })).toMatchObject({ status: 401 });
    expect(await send(text("hello", "6204315588212340005"), { appid: RELEASE_APPID })).toEqual({ status: 200, text: "success" });
    expect(await db().webhookEvent.count()).toBe(0);
    expect(await db().webhookDelivery.count()).toBe(0);
  });

  it("answers WeChat with a reply route's JSON text, encrypted, and the same reply to WeChat's retry", async () => {
    await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ msgType: "text", reply: true }] });
    receiver.answer((request) => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ reply: { type: "text", content: `you said: ${(request.json.data.fields as { Content: string }).Content}` } }),
    }));
    const logged = (["info", "warn", "error"] as const).map((level) => vi.spyOn(logger, level));
    const first = await send(text("ping", "6204315588212340006"));
    expect(first.status).toBe(200);
    // The log names types and ids, never what the user wrote or what was answered.
    const lines = JSON.stringify(logged.flatMap((spy) => spy.mock.calls));
    expect(lines).toContain("6204315588212340006");
    expect(lines).not.toMatch(/ping/);
    for (const spy of logged) spy.mockRestore();
    const reply = openReply(first.text);
    expect(reply).toEqual({
      ToUserName: FAN,
      FromUserName: ACCOUNT,
      CreateTime: expect.any(String),
      MsgType: "text",
      Content: "you said: ping",
    });

    const [event] = await events();
    expect(event!.deliveries).toEqual([expect.objectContaining({ status: "delivered", attempts: 1, lastStatusCode: 200 })]);
    expect(parseXml(event!.replyXml!)).toEqual(reply);

    // WeChat did not get the answer in time and asks again: the same reply, the endpoint not asked twice.
    const retry = await send(text("ping", "6204315588212340006"));
    expect(openReply(retry.text)).toEqual(reply);
    expect(receiver.received).toHaveLength(1);
    expect(await db().webhookEvent.count()).toBe(1);
  });

  it("passes on a reply in WeChat's XML, addressed to the sender whatever the endpoint wrote", async () => {
    await seedEndpoint({
      url: receiver.url,
      events: ["message.received"],
      routes: [{ msgType: "event", event: "subscribe", reply: true }],
    });
    receiver.answer(() => ({
      status: 200,
      contentType: "text/xml",
      body: "<xml><ToUserName>nobody</ToUserName><MsgType>news</MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[欢迎]]></Title><Url>https://shop.test/</Url></item></Articles></xml>",
    }));
    const answer = await send(subscribe());
    expect(openReply(answer.text)).toMatchObject({
      ToUserName: FAN,
      FromUserName: ACCOUNT,
      MsgType: "news",
      ArticleCount: "1",
      Articles: { item: { Title: "欢迎", Url: "https://shop.test/" } },
    });
  });

  it("answers success to an invalid reply, and the delivery still counts as delivered", async () => {
    await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ reply: true }] });
    receiver.answer(() => ({ status: 200, contentType: "application/json", body: JSON.stringify({ reply: { type: "text" } }) }));
    expect(await send(text("x", "6204315588212340007"))).toEqual({ status: 200, text: "success" });
    const [event] = await events();
    expect(event!.replyXml).toBeNull();
    expect(event!.deliveries).toEqual([expect.objectContaining({ status: "delivered" })]);
  });

  it("answers success when the reply route is slower than the deadline; the delivery stays pending and goes later", async () => {
    const { secret } = await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ reply: true }] });
    receiver.answer(() => ({ status: 200, hang: true }));
    expect(await send(text("slow", "6204315588212340008"))).toEqual({ status: 200, text: "success" });
    const [event] = await events();
    const [delivery] = event!.deliveries;
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastError: "no answer within 400 ms" });
    expect(delivery!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    expect(event!.replyXml).toBeNull();

    // The worker's later attempt, to a receiver that answers now: the same webhook-id, delivered.
    receiver.answer(() => ({ status: 204 }));
    expect(await attemptDelivery(delivery!.id)).toMatchObject({ ok: true });
    const [firstTry, later] = await receiver.waitFor(2);
    expect(later!.headers["webhook-id"]).toBe(firstTry!.headers["webhook-id"]);
    expect(verifyStandardSignature({ secret, headers: later!.headers, body: later!.body })).toBe(true);
    expect(await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery!.id } })).toMatchObject({ status: "delivered" });
  });

  it("answers 503, never success, when the message cannot be stored", async () => {
    const down = openDatabase({ url: "postgresql://nobody@127.0.0.1:1/nothing", connectTimeoutMs: 500 });
    installDatabase(down);
    try {
      const answer = await send(text("lost?", "6204315588212340009"));
      expect(answer.status).toBe(503);
      expect(answer.text).not.toBe("success");
    } finally {
      installDatabase(t.database);
      await down.close();
    }
    // WeChat's retry once the database is back is stored.
    expect(await send(text("lost?", "6204315588212340009"))).toEqual({ status: 200, text: "success" });
    expect(await db().webhookEvent.count()).toBe(1);
  });
});
