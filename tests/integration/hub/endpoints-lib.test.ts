// lib/webhooks/endpoints.ts against a real database: rotation keeps the old secret signing for a
// day, disable/enable, routes replaced as a whole and validated, and the delivery log paged by
// keyset per endpoint or per authorizer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import {
  createEndpoint,
  decodeDeliveryCursor,
  disableEndpoint,
  enableEndpoint,
  EndpointInputError,
  EndpointNotFoundError,
  getEndpoint,
  listDeliveries,
  PREVIOUS_SECRET_GRACE_MS,
  replaceRoutes,
  rotateSecret,
} from "@/lib/webhooks/endpoints";
import { openSecret } from "@/lib/webhooks/send";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const URL_ = "http://127.0.0.1:9/hooks";

describe(`webhook endpoint management (${databaseKind})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  beforeEach(() => installDatabase(t.database));
  afterAll(() => t.drop());

  it("rotates: a new secret, the old one kept signing for a day", async () => {
    const created = await createEndpoint({ url: URL_, events: ["authorizer.revoked"] });
    const now = new Date("2030-05-01T00:00:00.000Z");
    const rotated = await rotateSecret(created.id, { now });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousExpiresAt).toEqual(new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS));
    const row = await t.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(openSecret({ ciphertext: row.secretEnc, keyId: row.secretKeyId })).toBe(rotated.secret);
    expect(openSecret({ ciphertext: row.previousSecretEnc, keyId: row.previousSecretKeyId })).toBe(created.secret);
    expect((await getEndpoint(created.id))?.previousSecretExpiresAt).toEqual(rotated.previousExpiresAt);
    await expect(rotateSecret("00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(EndpointNotFoundError);
  });

  it("disables with a reason and enables with a clean slate", async () => {
    const { id } = await createEndpoint({ url: URL_, events: ["authorizer.revoked"] });
    await t.database.prisma.webhookEndpoint.update({ where: { id }, data: { failingSince: new Date() } });
    await disableEndpoint(id, "  receiver retired  ");
    expect(await getEndpoint(id)).toMatchObject({ disabledAt: expect.any(Date), disabledReason: "receiver retired" });
    await enableEndpoint(id);
    expect(await getEndpoint(id)).toMatchObject({ disabledAt: null, disabledReason: null, failingSince: null });
    await expect(disableEndpoint("not-a-uuid", "x")).rejects.toBeInstanceOf(EndpointNotFoundError);
  });

  it("replaces the routes as a whole, and refuses bad ones naming the field without touching the old", async () => {
    const { id } = await createEndpoint({
      url: URL_,
      events: ["message.received"],
      routes: [{ msgType: "text" }, { event: "subscribe", reply: true }],
    });
    expect((await getEndpoint(id))?.routes).toHaveLength(2);
    const routes = await replaceRoutes(id, [{ merchantRef: "shop-1", msgType: "event", event: "CLICK", reply: true }]);
    expect(routes).toEqual([
      expect.objectContaining({ merchantRef: "shop-1", msgType: "event", event: "CLICK", reply: true, authorizerAppid: null }),
    ]);
    const refused = await replaceRoutes(id, [{ msgType: "not valid!" }]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EndpointInputError);
    expect((refused as EndpointInputError).issues).toEqual([expect.objectContaining({ path: "0.msg_type" })]);
    expect((await getEndpoint(id))?.routes).toEqual(routes);
    expect(await replaceRoutes(id, [])).toEqual([]);
  });

  it("pages the delivery log newest first, per endpoint or per authorizer, with the event type", async () => {
    const componentAppid = getEnv().component.appid;
    const a = await createEndpoint({ url: URL_, events: ["authorizer.authorized"] });
    const b = await createEndpoint({ url: URL_, events: ["authorizer.authorized"] });
    const at = new Date("2030-06-01T00:00:00.000Z");
    for (let i = 0; i < 5; i++) {
      const eventId = `msg_log_${i}`;
      await t.database.prisma.webhookEvent.create({
        data: {
          id: eventId,
          componentAppid,
          type: i === 4 ? "authorizer.revoked" : "authorizer.authorized",
          authorizerAppid: `wxlog${i % 2}`,
          payload: {},
        },
      });
      await t.database.prisma.webhookDelivery.create({
        data: {
          eventId,
          endpointId: i < 4 ? a.id : b.id,
          componentAppid,
          authorizerAppid: `wxlog${i % 2}`,
          status: i === 0 ? "delivered" : "pending",
          attempts: i,
          nextAttemptAt: new Date(at.getTime() + 60_000),
          // Two share a time: the cursor's id breaks the tie.
          createdAt: new Date(at.getTime() + Math.min(i, 3) * 1000),
        },
      });
    }
    const first = await listDeliveries({ endpointId: a.id, size: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.next).not.toBeNull();
    const second = await listDeliveries({ endpointId: a.id, size: 2, before: decodeDeliveryCursor(first.next!) });
    expect(second.next).toBeNull();
    const all = [...first.rows, ...second.rows];
    expect(all.map((row) => row.eventId).sort()).toEqual(["msg_log_0", "msg_log_1", "msg_log_2", "msg_log_3"]);
    expect(all.map((row) => row.createdAt.getTime())).toEqual([...all].map((row) => row.createdAt.getTime()).sort((x, y) => y - x));
    expect(all.find((row) => row.eventId === "msg_log_0")).toMatchObject({ status: "delivered", nextAttemptAt: null, endpointUrl: URL_ });
    expect(all.find((row) => row.eventId === "msg_log_1")).toMatchObject({
      status: "pending",
      attempts: 1,
      eventType: "authorizer.authorized",
    });

    const byAuthorizer = await listDeliveries({ authorizerAppid: "wxlog0" });
    expect(byAuthorizer.rows.map((row) => row.eventId).sort()).toEqual(["msg_log_0", "msg_log_2", "msg_log_4"]);
    expect((await listDeliveries({ endpointId: b.id, status: "pending" })).rows.map((row) => row.eventType)).toEqual([
      "authorizer.revoked",
    ]);
    expect((await listDeliveries({ endpointId: "not-a-uuid" })).rows).toEqual([]);
  });
});
