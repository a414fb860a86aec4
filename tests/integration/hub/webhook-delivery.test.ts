// The outbox and the relay against a real PostgreSQL and a receiver over HTTP: an event committed with
// its change is delivered signed (checked by an independent implementation of the signature), a
// rolled-back one never; messages go where the endpoints' routes say; a receiver that is down gets
// everything once it is back, each retry under the same webhook-id; a sender that died leaves nothing
// behind; an endpoint failing for days is disabled; redirects are not followed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db, installDatabase, sql } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { startJobRunner, type JobRunner } from "@/lib/jobs";
import { recordEvent, recordEvents } from "@/lib/webhooks/outbox";
import { storeMessage } from "@/lib/messages/forward";
import { parseAuthorizerMessage } from "@/lib/wechat/authorizer-message";
import { buildXml } from "@/lib/wechat/xml";
import { attemptDelivery, redeliver, sendTestEvent } from "@/lib/webhooks/deliveries";
import { startRelay } from "@/lib/webhooks/relay";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import { seedEndpoint, startWebhookReceiver, verifyStandardSignature, type WebhookReceiver } from "../../helpers/webhook-receiver";

const component = () => getEnv().component.appid;
const authorized = (authorizerAppid: string, merchantRef = "m-1") =>
  ({ type: "authorizer.authorized", data: { authorizer_appid: authorizerAppid, merchant_ref: merchantRef } }) as const;

async function record(input: Parameters<typeof recordEvent>[1]) {
  return db().$transaction((tx) => recordEvent(tx, input));
}

const deliveryOf = async (eventId: string) => db().webhookDelivery.findFirstOrThrow({ where: { eventId } });

describe(`webhook delivery (${databaseKind}, receiver over HTTP)`, () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  let runner: JobRunner | undefined;

  beforeAll(async () => {
    t = await createTestDatabase();
    installDatabase(t.database);
    await db().component.upsert({ where: { appid: component() }, create: { appid: component() }, update: {} });
  });
  afterAll(async () => {
    await runner?.stop({ timeoutMs: 1000 });
    await receiver?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await receiver?.close();
    receiver = await startWebhookReceiver();
    await db().webhookDelivery.deleteMany();
    await db().webhookEvent.deleteMany();
    await db().webhookEndpoint.deleteMany();
  });

  it("records nothing for a change that rolls back, and one delivery per subscribed endpoint for one that commits", async () => {
    await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    await seedEndpoint({ url: receiver.url, events: ["authorizer.revoked"] });
    await expect(
      db().$transaction(async (tx) => {
        await recordEvent(tx, authorized("wx1111111111111111"));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db().webhookEvent.count()).toBe(0);
    expect(await db().webhookDelivery.count()).toBe(0);

    const recorded = await record(authorized("wx1111111111111111"));
    if (recorded.duplicate) throw new Error("not a duplicate");
    expect(recorded.deliveries).toHaveLength(1);
    expect(recorded.body).toMatchObject({ type: "authorizer.authorized", data: { component_appid: component(), merchant_ref: "m-1" } });
  });

  it("delivers through the job runner's relay, signed so that an independent check accepts it", async () => {
    const { secret } = await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    runner = await startJobRunner({ database: t.database, connectionString: t.url, schedule: false });
    const recorded = await record(authorized("wx2222222222222222", "merchant-42"));
    const [request] = await receiver.waitFor(1);
    expect(request!.headers["webhook-id"]).toBe(recorded.eventId);
    expect(verifyStandardSignature({ secret, headers: request!.headers, body: request!.body })).toBe(true);
    expect(
      verifyStandardSignature({
        secret: "whsec_" + Buffer.alloc(24, 1).toString("base64"),
        headers: request!.headers,
        body: request!.body,
      }),
    ).toBe(false);
    expect(request!.json).toMatchObject({
      type: "authorizer.authorized",
      data: { authorizer_appid: "wx2222222222222222", merchant_ref: "merchant-42" },
    });
    const delivered = await eventually(async () => {
      const row = await deliveryOf(recorded.eventId);
      return row.status === "delivered" && row;
    });
    expect(delivered).toMatchObject({ attempts: 1, lastStatusCode: 204, nextAttemptAt: null });
    await runner.stop({ timeoutMs: 1000 });
    runner = undefined;
  });

  it("retries a receiver that is down under the same webhook-id, and sends its backlog as soon as it answers again", async () => {
    await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    receiver.answer(() => ({ status: 503, body: "maintenance" }));
    const start = new Date();
    const events = [await record(authorized("wx3333333333333331")), await record(authorized("wx3333333333333332"))];
    for (const event of events) {
      const outcome = await attemptDelivery((await deliveryOf(event.eventId)).id, { now: start });
      expect(outcome).toMatchObject({ ok: false, status: 503 });
    }
    const first = await deliveryOf(events[0]!.eventId);
    expect(first).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 503, lastResponse: "maintenance" });
    expect(first.nextAttemptAt!.getTime() - start.getTime()).toBeGreaterThan(4_000);
    // Not due yet: a job that comes early does nothing.
    expect(await attemptDelivery(first.id, { now: start, dueOnly: true })).toEqual({ skipped: "not_due" });

    receiver.answer(() => ({ status: 200 }));
    const later = new Date(first.nextAttemptAt!.getTime() + 1);
    expect(await attemptDelivery(first.id, { now: later, dueOnly: true })).toMatchObject({ ok: true, status: 200 });
    // The second one was backed off too; the recovery brought it forward to now.
    const second = await deliveryOf(events[1]!.eventId);
    expect(second.status).toBe("pending");
    expect(second.nextAttemptAt!.getTime()).toBeLessThanOrEqual(later.getTime() + 1_000);
    expect(await attemptDelivery(second.id, { now: new Date(later.getTime() + 1_000), dueOnly: true })).toMatchObject({ ok: true });

    const ids = receiver.received.map((request) => request.headers["webhook-id"]);
    expect(ids).toEqual([events[0]!.eventId, events[1]!.eventId, events[0]!.eventId, events[1]!.eventId]);
    const endpoint = await db().webhookEndpoint.findFirstOrThrow();
    expect(endpoint.failingSince).toBeNull();
    expect(endpoint.lastSuccessAt).not.toBeNull();
  });

  it("gives up after the whole schedule (over 24 hours) and disables an endpoint failing for longer than the setting", async () => {
    const { id } = await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    receiver.answer(() => ({ status: 500 }));
    const recorded = await record(authorized("wx4444444444444444"));
    const delivery = await deliveryOf(recorded.eventId);
    let now = new Date();
    const firstAttemptAt = now;
    for (let attempt = 1; ; attempt++) {
      await attemptDelivery(delivery.id, { now });
      const row = await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      if (row.status !== "pending") {
        expect(row.status).toBe("failed");
        expect(now.getTime() - firstAttemptAt.getTime()).toBeGreaterThan(24 * 3_600_000);
        break;
      }
      now = new Date(row.nextAttemptAt!.getTime() + 1);
      expect(attempt).toBeLessThan(20);
    }
    // Failing since the first attempt, over two days: one more failure past 72 hours disables it.
    const another = await record(authorized("wx4444444444444445"));
    const past = new Date(firstAttemptAt.getTime() + getEnv().hub.disableAfterMs + 60_000);
    await attemptDelivery((await deliveryOf(another.eventId)).id, { now: past });
    const endpoint = await db().webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(endpoint.disabledAt).not.toBeNull();
    expect(endpoint.disabledReason).toMatch(/every delivery failed for 7\d hours/);
    expect(await db().auditLog.count({ where: { action: "webhook_endpoint.disabled", target: `webhook:${id}` } })).toBe(1);
    // Nothing new is queued for a disabled endpoint.
    const after = await record(authorized("wx4444444444444446"));
    expect(after.duplicate === false && after.deliveries).toEqual([]);
  });

  it("does not follow redirects and cuts off a receiver that does not answer", async () => {
    await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    receiver.answer(() => ({ status: 302, location: "http://169.254.169.254/latest/meta-data" }));
    const redirected = await record(authorized("wx5555555555555551"));
    expect(await attemptDelivery((await deliveryOf(redirected.eventId)).id)).toMatchObject({
      ok: false,
      status: 302,
      error: expect.stringContaining("redirects are not followed"),
    });
    expect(receiver.received).toHaveLength(1);

    receiver.answer(() => ({ status: 200, hang: true }));
    const hanging = await record(authorized("wx5555555555555552"));
    expect(await attemptDelivery((await deliveryOf(hanging.eventId)).id, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      status: null,
      error: "no answer within 300 ms",
    });
  });

  it("redelivers with the same webhook-id, signs with both secrets during a rotation, and sends a test event once", async () => {
    const { id, secret } = await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] });
    const recorded = await record(authorized("wx6666666666666666"));
    const delivery = await deliveryOf(recorded.eventId);
    await attemptDelivery(delivery.id);
    expect(await redeliver(delivery.id)).toBe(true);
    expect(await attemptDelivery(delivery.id, { dueOnly: true })).toMatchObject({ ok: true });
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([recorded.eventId, recorded.eventId]);

    // Rotated: the old secret still signs for a while.
    const { generateSecret, sealSecret } = await import("@/lib/webhooks/send");
    const fresh = generateSecret();
    const sealed = sealSecret(fresh);
    await db().webhookEndpoint.update({
      where: { id },
      data: {
        secretEnc: sealed.secretEnc,
        secretKeyId: sealed.secretKeyId,
        previousSecretEnc: sealSecret(secret).secretEnc,
        previousSecretKeyId: sealed.secretKeyId,
        previousSecretExpiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    receiver.answer(() => ({ status: 500 }));
    const test = await sendTestEvent(id);
    expect(test).toMatchObject({ ok: false, status: 500 });
    const last = receiver.received.at(-1)!;
    expect(last.json.type).toBe("webhook.test");
    expect(verifyStandardSignature({ secret: fresh, headers: last.headers, body: last.body })).toBe(true);
    expect(verifyStandardSignature({ secret, headers: last.headers, body: last.body })).toBe(true);
    // A test is not retried.
    const testDelivery = await db().webhookDelivery.findFirstOrThrow({ where: { event: { type: "webhook.test" } } });
    expect(testDelivery).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: null });
  });

  it("routes messages: endpoints without routes get all, others what a route matches; the oldest reply route answers", async () => {
    const all = await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    const textsOfM1 = await seedEndpoint({
      url: receiver.url,
      events: ["message.received"],
      routes: [{ merchantRef: "m-1", msgType: "text", reply: true }],
    });
    await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ merchantRef: "m-2" }] });
    const second = await seedEndpoint({
      url: receiver.url,
      events: ["message.received"],
      routes: [{ authorizerAppid: "wx8888888888888888", reply: true }],
    });
    const subscribes = await seedEndpoint({
      url: receiver.url,
      events: ["message.received"],
      routes: [{ msgType: "event", event: "SUBSCRIBE" }],
    });
    // The account's merchant is read by the same statement.
    await db().authorizer.create({ data: { appid: "wx8888888888888888", componentAppid: component(), merchantRef: "m-1" } });
    const message = (msgType: string, event: string | null, dedupeKey: string) =>
      record({
        type: "message.received",
        data: { authorizer_appid: "wx8888888888888888" },
        merchantRefOfAuthorizer: true,
        message: { msgType, event },
        dedupeKey,
      });
    const text = await message("text", null, "k:text");
    if (text.duplicate) throw new Error("not a duplicate");
    expect(text.body.data.merchant_ref).toBe("m-1");
    expect(new Map(text.deliveries.map((d) => [d.endpointId, d.reply]))).toEqual(
      new Map([
        [all.id, false],
        [textsOfM1.id, true],
        [second.id, false],
      ]),
    );
    const subscribe = await message("event", "subscribe", "k:subscribe");
    if (subscribe.duplicate) throw new Error("not a duplicate");
    expect(new Map(subscribe.deliveries.map((d) => [d.endpointId, d.reply]))).toEqual(
      new Map([
        [all.id, false],
        [second.id, true],
        [subscribes.id, false],
      ]),
    );
    // WeChat's retry of the same message: nothing new.
    expect(await message("text", null, "k:text")).toEqual({ duplicate: true, eventId: text.eventId, replyXml: null });
    expect(await db().webhookDelivery.count({ where: { eventId: text.eventId } })).toBe(3);
    await db().authorizer.delete({ where: { appid: "wx8888888888888888" } });
  });

  it("records a batch in one statement as each alone: its own merchant and routes, a repeat in the batch or of an earlier one a duplicate", async () => {
    const all = await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    const m2 = await seedEndpoint({ url: receiver.url, events: ["message.received"], routes: [{ merchantRef: "m-2", reply: true }] });
    await db().authorizer.createMany({
      data: [
        { appid: "wx7100000000000001", componentAppid: component(), merchantRef: "m-1" },
        { appid: "wx7100000000000002", componentAppid: component(), merchantRef: "m-2" },
      ],
    });
    const message = (authorizerAppid: string, dedupeKey: string) => ({
      type: "message.received" as const,
      data: { authorizer_appid: authorizerAppid },
      merchantRefOfAuthorizer: true,
      message: { msgType: "text", event: null },
      dedupeKey,
    });
    const earlier = await recordEvent(sql(), message("wx7100000000000001", "batch:0"));
    const recorded = await recordEvents(sql(), [
      message("wx7100000000000001", "batch:1"),
      message("wx7100000000000002", "batch:2"),
      message("wx7100000000000001", "batch:1"),
      message("wx7100000000000001", "batch:0"),
      authorized("wx7100000000000003", "m-9"),
    ]);
    const [one, two, repeat, again, lifecycle] = recorded;
    if (one!.duplicate || two!.duplicate || lifecycle!.duplicate) throw new Error("recorded as duplicates");
    expect(one!.body.data.merchant_ref).toBe("m-1");
    expect(one!.deliveries.map((d) => [d.endpointId, d.reply])).toEqual([[all.id, false]]);
    expect(two!.body.data.merchant_ref).toBe("m-2");
    expect(new Map(two!.deliveries.map((d) => [d.endpointId, d.reply]))).toEqual(
      new Map([
        [all.id, false],
        [m2.id, true],
      ]),
    );
    expect(repeat).toEqual({ duplicate: true, eventId: one!.eventId, replyXml: null });
    expect(again).toEqual({ duplicate: true, eventId: earlier.eventId, replyXml: null });
    // No endpoint takes authorizer.authorized: recorded, delivered to nobody.
    expect(lifecycle!.deliveries).toEqual([]);
    expect(await db().webhookEvent.count({ where: { dedupeKey: { startsWith: "batch:" } } })).toBe(3);
    expect(await db().webhookDelivery.count({ where: { eventId: { in: [one!.eventId, two!.eventId] } } })).toBe(3);
  });

  it("stores messages arriving together, each acknowledged once written; a message PostgreSQL refuses fails alone", async () => {
    await seedEndpoint({ url: receiver.url, events: ["message.received"] });
    await db().authorizer.create({ data: { appid: "wx7200000000000001", componentAppid: component(), merchantRef: "m-1" } });
    const text = (n: number, content: string) => {
      const xml = buildXml({
        ToUserName: "gh_1",
        FromUserName: "o_user",
        CreateTime: 1_800_000_000 + n,
        MsgType: "text",
        Content: content,
        MsgId: String(7_200_000 + n),
      });
      return { authorizerAppid: "wx7200000000000001", message: parseAuthorizerMessage(xml), xml, now: new Date() };
    };
    const inputs = Array.from({ length: 40 }, (_, n) => text(n, `hello ${n}`));
    // jsonb cannot hold U+0000: this one's statement is refused.
    const poison = { ...inputs[17]!, xml: `${inputs[17]!.xml}\u0000` };
    const outcomes = await Promise.all(
      inputs.map((input, n) =>
        storeMessage(n === 17 ? poison : input).then(
          (r) => (r.duplicate ? "duplicate" : "stored"),
          () => "refused",
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "stored")).toHaveLength(39);
    expect(outcomes[17]).toBe("refused");
    const stored = await db().webhookEvent.findMany({ where: { authorizerAppid: "wx7200000000000001" }, select: { payload: true } });
    expect(stored).toHaveLength(39);
    expect(new Set(stored.map((e) => (e.payload as { data: { msg_id: string } }).data.msg_id)).size).toBe(39);
    expect(stored.every((e) => (e.payload as { data: { merchant_ref: string } }).data.merchant_ref === "m-1")).toBe(true);
  });

  it("records a burst of successes together: every delivery delivered once, each endpoint stamped once", async () => {
    const endpoints = [
      await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] }),
      await seedEndpoint({ url: receiver.url, events: ["authorizer.authorized"] }),
    ];
    const events = [];
    for (let i = 0; i < 6; i++) events.push(await record(authorized(`wx50000000000000${10 + i}`)));
    const deliveries = await db().webhookDelivery.findMany({ where: { status: "pending" } });
    expect(deliveries).toHaveLength(12);
    // Sent at once: their answers come back in the same turns and share statements.
    const outcomes = await Promise.all(deliveries.map((delivery) => attemptDelivery(delivery.id)));
    expect(outcomes.every((outcome) => "ok" in outcome && outcome.ok)).toBe(true);
    const after = await db().webhookDelivery.findMany({ where: { eventId: { in: events.map((e) => e.eventId) } } });
    expect(after.map((d) => [d.status, d.attempts, d.lastStatusCode, d.leaseUntil])).toEqual(Array(12).fill(["delivered", 1, 204, null]));
    for (const endpoint of endpoints) {
      const mine = after.filter((d) => d.endpointId === endpoint.id);
      const stamped = await db().webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      // Stamped by the first batch that delivered to it, and not rewritten within SUCCESS_STAMP_MS (1 s).
      const times = mine.map((d) => d.deliveredAt!.getTime());
      expect(times).toContain(stamped.lastSuccessAt!.getTime());
      expect(Math.max(...times) - stamped.lastSuccessAt!.getTime()).toBeLessThan(1_000);
      expect(stamped.failingSince).toBeNull();
    }
    expect(await receiver.waitFor(12)).toHaveLength(12);
  });

  it("a delivery whose sender died (its lease lapsed) is sent by the next relay", async () => {
    await seedEndpoint({ url: receiver.url, events: ["authorizer.revoked"] });
    const recorded = await record({ type: "authorizer.revoked", data: { authorizer_appid: "wx7777777777777777" } });
    // A sender claimed it and vanished: its lease still runs, so nobody sends it yet.
    await db().webhookDelivery.updateMany({ where: { eventId: recorded.eventId }, data: { leaseUntil: new Date(Date.now() + 60_000) } });
    const relay = startRelay({ connectionString: t.url, pollMs: 100 });
    try {
      expect(await attemptDelivery((await deliveryOf(recorded.eventId)).id)).toEqual({ skipped: "busy" });
      await db().webhookDelivery.updateMany({ where: { eventId: recorded.eventId }, data: { leaseUntil: new Date(Date.now() - 1) } });
      const [request] = await receiver.waitFor(1);
      expect(request!.headers["webhook-id"]).toBe(recorded.eventId);
      await eventually(async () => (await deliveryOf(recorded.eventId)).status === "delivered");
    } finally {
      await relay.stop();
    }
  });
});
