// /api/v1/webhook-endpoints called as Next.js would call the routes, against a real database and a
// real receiver over HTTP: the secret is answered once and never again, private URLs are refused
// unless WEBHOOK_ALLOW_PRIVATE, validation names the fields, a test event arrives signed, deletion
// fails what was still pending, and the scope rules (hub, every authorizer, not read-only) hold.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/webhook-endpoints/route";
import { DELETE as deleteRoute, GET as getRoute } from "@/app/api/v1/webhook-endpoints/[id]/route";
import { POST as testRoute } from "@/app/api/v1/webhook-endpoints/[id]/test/route";
import { installDatabase } from "@/lib/db";
import { discardPendingIssuance } from "@/lib/token-centre/issuance";
import { openSecret } from "@/lib/webhooks/send";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { startWebhookReceiver, verifyStandardSignature, type WebhookReceiver } from "../../helpers/webhook-receiver";
import { seedApiKey } from "../token-centre/seed";

const BASE = "http://portal.test/api/v1";
type Json = Record<string, unknown>;

const setAllowPrivate = (value: "true" | "false") => {
  process.env.WEBHOOK_ALLOW_PRIVATE = value;
  delete (globalThis as { __portalEnv?: unknown }).__portalEnv;
};

describe(`webhook endpoints API (${databaseKind} + a receiver over HTTP)`, () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  let hubKey: string;
  let noHubKey: string;
  let readOnlyKey: string;
  let listedKey: string;

  const headers = (key: string) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
  const read = async (response: Response) => ({ status: response.status, body: (await response.json()) as Json });
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const create = async (body: unknown, key = hubKey) =>
    read(
      await createRoute(new Request(`${BASE}/webhook-endpoints`, { method: "POST", headers: headers(key), body: JSON.stringify(body) })),
    );
  const list = async (key = hubKey) => read(await listRoute(new Request(`${BASE}/webhook-endpoints`, { headers: headers(key) })));
  const get = async (id: string, key = hubKey) =>
    read(await getRoute(new Request(`${BASE}/webhook-endpoints/${id}`, { headers: headers(key) }), params(id)));
  const remove = async (id: string, key = hubKey) =>
    read(await deleteRoute(new Request(`${BASE}/webhook-endpoints/${id}`, { method: "DELETE", headers: headers(key) }), params(id)));
  const test = async (id: string, key = hubKey) =>
    read(await testRoute(new Request(`${BASE}/webhook-endpoints/${id}/test`, { method: "POST", headers: headers(key) }), params(id)));

  beforeAll(async () => {
    t = await createTestDatabase();
    receiver = await startWebhookReceiver();
    hubKey = await seedApiKey("hub service");
    noHubKey = await seedApiKey("tokens only", { component: true, authorizers: "all", readOnly: false, hub: false });
    readOnlyKey = await seedApiKey("hub reader", { component: false, authorizers: "all", readOnly: true, hub: true });
    listedKey = await seedApiKey("one shop", { component: false, authorizers: ["wx1111111111111111"], readOnly: false, hub: true });
  });
  beforeEach(() => installDatabase(t.database));
  afterEach(() => setAllowPrivate("true"));
  afterAll(async () => {
    discardPendingIssuance();
    await receiver.close();
    await t.drop();
  });

  it("creates an endpoint and answers its secret once: never in the list, the detail, or the database in clear", async () => {
    const created = await create({
      url: receiver.url,
      events: ["authorizer.authorized", "authorizer.revoked", "authorizer.authorized"],
      description: "CRM",
      routes: [{ merchant_ref: "shop-1", msg_type: "text", reply: true }],
    });
    expect(created.status).toBe(201);
    const secret = String(created.body.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    expect(created.body).toMatchObject({
      url: receiver.url,
      events: ["authorizer.authorized", "authorizer.revoked"],
      description: "CRM",
      state: "active",
      routes: [{ authorizer_appid: null, merchant_ref: "shop-1", msg_type: "text", event: null, reply: true }],
    });
    const id = String(created.body.id);

    const listed = await list();
    expect(listed.status).toBe(200);
    expect((listed.body.data as Json[]).map((endpoint) => endpoint.id)).toContain(id);
    const detail = await get(id);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id, delivery_counts: { pending: 0, delivered: 0, failed: 0 } });
    for (const answer of [listed.body, detail.body]) {
      expect(JSON.stringify(answer)).not.toContain(secret.slice(6));
      expect(JSON.stringify(answer)).not.toMatch(/whsec_|secret/);
    }
    const [row] = await t.database.withSession((s) => s.query<Json>(`SELECT * FROM webhook_endpoints WHERE id = $1`, [id]));
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
    expect(openSecret({ ciphertext: String(row!.secret_enc), keyId: String(row!.secret_key_id) })).toBe(secret);
    expect(row!.created_by_api_key_id).toBeTruthy();
    const audit = await t.database.prisma.auditLog.findFirstOrThrow({
      where: { action: "webhook.endpoint_created", target: `webhook:${id}` },
    });
    expect(audit).toMatchObject({ actorType: "api_key", actorId: row!.created_by_api_key_id });
    expect(JSON.stringify(audit.details)).not.toContain(secret.slice(6));
  });

  it("refuses loopback, private and plain-http URLs unless WEBHOOK_ALLOW_PRIVATE=true", async () => {
    setAllowPrivate("false");
    for (const url of [
      receiver.url,
      "https://127.0.0.1/hooks",
      "https://10.1.2.3/hooks",
      "https://intranet.local/hooks",
      "http://saas.example.com/h",
    ]) {
      const refused = await create({ url, events: ["authorizer.authorized"] });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error).toBe("invalid_request");
      expect(refused.body.issues, url).toEqual([expect.objectContaining({ path: "url" })]);
    }
    expect(await t.database.prisma.webhookEndpoint.count({ where: { url: { contains: "10.1.2.3" } } })).toBe(0);
    const publicHost = await create({ url: "https://saas.example.com/hooks", events: ["authorizer.authorized"] });
    expect(publicHost.status).toBe(201);

    setAllowPrivate("true");
    expect((await create({ url: receiver.url, events: ["authorizer.authorized"] })).status).toBe(201);
  });

  it("names each wrong field", async () => {
    const bad = await create({
      url: "not a url",
      events: ["authorizer.authorized", "authorizer.exploded"],
      routes: [{ msg_type: "te xt" }, { authorizer_appid: "not an appid!" }],
      colour: "blue",
    });
    expect(bad.status).toBe(400);
    const paths = (bad.body.issues as { path: string }[]).map((issue) => issue.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["url", "events.1", "routes.0.msg_type", "routes.1.authorizer_appid"]));
    expect(JSON.stringify(bad.body.issues)).toMatch(/colour/);
    const empty = await create({ url: receiver.url, events: [] });
    expect(empty.body.issues).toEqual([{ path: "events", message: "events must name at least one event type" }]);
    const notJson = await read(
      await createRoute(new Request(`${BASE}/webhook-endpoints`, { method: "POST", headers: headers(hubKey), body: "{" })),
    );
    expect(notJson).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    expect((await get("not-a-uuid")).body).toMatchObject({ error: "invalid_request", issues: [{ path: "id" }] });
  });

  it("sends a signed webhook.test on demand and answers what the endpoint said", async () => {
    const created = await create({ url: receiver.url, events: ["authorizer.revoked"] });
    const id = String(created.body.id);
    receiver.answer(() => ({ status: 200, body: "thanks" }));
    const before = receiver.received.length;
    const tested = await test(id);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ delivered: true, status: 200, response: "thanks", error: null });
    const [arrived] = receiver.received.slice(before);
    expect(arrived!.json).toMatchObject({ type: "webhook.test", data: { endpoint_id: id } });
    expect(verifyStandardSignature({ secret: String(created.body.secret), headers: arrived!.headers, body: arrived!.body })).toBe(true);
    expect((await get(id)).body).toMatchObject({ delivery_counts: { delivered: 1 } });

    receiver.answer(() => ({ status: 500, body: "down for maintenance" }));
    expect((await test(id)).body).toMatchObject({ delivered: false, status: 500, response: "down for maintenance" });
    receiver.answer(() => ({ status: 204 }));
  });

  it("deletes softly: gone from the API, nothing more sent, its pending deliveries failed, its log kept", async () => {
    const created = await create({ url: receiver.url, events: ["authorizer.authorized"] });
    const id = String(created.body.id);
    const eventId = `msg_test_${id.slice(0, 8)}`;
    const component = (await t.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } })).componentAppid;
    await t.database.prisma.webhookEvent.create({
      data: { id: eventId, componentAppid: component, type: "authorizer.authorized", payload: {} },
    });
    await t.database.prisma.webhookDelivery.create({
      data: { eventId, endpointId: id, componentAppid: component, nextAttemptAt: new Date(Date.now() + 60_000) },
    });

    expect(await remove(id)).toEqual({ status: 200, body: { id, deleted: true } });
    expect((await get(id)).status).toBe(404);
    expect((await remove(id)).body).toMatchObject({ error: "not_found" });
    expect((await test(id)).status).toBe(404);
    expect(((await list()).body.data as Json[]).map((endpoint) => endpoint.id)).not.toContain(id);
    const delivery = await t.database.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: id } });
    expect(delivery).toMatchObject({ status: "failed", nextAttemptAt: null, lastError: "The endpoint was deleted." });
    expect(await t.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } })).toMatchObject({ deletedAt: expect.any(Date) });
  });

  it("needs the hub scope, every authorizer, and a writable key for writes", async () => {
    const created = await create({ url: receiver.url, events: ["authorizer.authorized"] });
    const id = String(created.body.id);
    for (const key of [noHubKey, listedKey]) {
      expect((await list(key)).status).toBe(403);
      expect((await get(id, key)).status).toBe(403);
      expect((await create({ url: receiver.url, events: ["authorizer.authorized"] }, key)).status).toBe(403);
    }
    expect((await list(noHubKey)).body.message).toMatch(/needs the scope hub/);
    expect((await list(listedKey)).body.message).toMatch(/needs the scope authorizers/);
    expect((await list(readOnlyKey)).status).toBe(200);
    expect((await get(id, readOnlyKey)).status).toBe(200);
    for (const refused of [
      await create({ url: receiver.url, events: ["authorizer.authorized"] }, readOnlyKey),
      await remove(id, readOnlyKey),
      await test(id, readOnlyKey),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/read-only/);
    }
    expect((await get(id)).status).toBe(200);
    expect(await t.database.prisma.auditLog.count({ where: { action: "token_centre.forbidden" } })).toBeGreaterThanOrEqual(9);
  });
});
