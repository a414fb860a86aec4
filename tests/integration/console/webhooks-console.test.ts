// The console's hub actions against a real database and a receiver over HTTP: roles (viewers read,
// operators test and redeliver, admins manage endpoints), an endpoint's secret returned once and
// signing the test event the receiver gets, its state through disable/enable, rotation, routes,
// redelivery and deletion, each audited without the secret; links carrying merchant_ref and
// return_url, the authorizers list filtered by merchant_ref, and staff rebinding an account.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const session = vi.hoisted(() => {
  process.env.WECHAT_API_BASE = "http://127.0.0.1:9";
  process.env.RETURN_URL_ORIGINS = "https://saas.example.com";
  return { userId: null as string | null, sessionIds: {} as Record<string, string> };
});
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () =>
    session.userId ? { user: { id: session.userId, sessionId: session.sessionIds[session.userId] ?? "" } } : null,
}));

import { createAttempt } from "@/lib/authorization/attempts";
import { changeMerchantAction } from "@/app/(console)/console/authorizers/actions";
import { createLinkAction } from "@/app/(console)/console/links/actions";
import {
  createEndpointAction,
  deleteEndpointAction,
  disableEndpointAction,
  enableEndpointAction,
  redeliverAction,
  rotateSecretAction,
  saveRoutesAction,
  sendTestAction,
} from "@/app/(console)/console/webhooks/actions";
import { createStaffUser } from "@/lib/auth/staff";
import { openStaffSession } from "@/lib/auth/staff-sessions";
import { loadMerchantBindings } from "@/lib/console/authorizer-detail";
import { listAuthorizers, parseListQuery } from "@/lib/console/authorizer-list";
import { listAttempts, loadAttempt } from "@/lib/console/links";
import type { ActionResult } from "@/lib/console/safe-action";
import { endpointHealthCounts, listDeliveries, listEndpointSummaries, loadEndpointDetail } from "@/lib/console/webhooks";
import { db, installDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { startWebhookReceiver, verifyStandardSignature, type WebhookReceiver } from "../../helpers/webhook-receiver";

const okData = <T>(result: ActionResult<T>): T => {
  if (!result.ok) throw new Error(`action failed: ${JSON.stringify(result.error)}`);
  return result.data;
};

describe(`console webhooks and merchant_ref (${databaseKind})`, () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  const ids = { admin: "", operator: "", viewer: "" };
  const as = (who: keyof typeof ids) => {
    session.userId = ids[who];
  };
  const audits = (action: string) => db().auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });

  beforeAll(async () => {
    t = await createTestDatabase();
    installDatabase(t.database);
    await db().component.create({ data: { appid: getEnv().component.appid } });
    for (const role of ["admin", "operator", "viewer"] as const) {
      ids[role] = (await createStaffUser({ email: `${role}@example.com`, password: "correct-horse-battery", role })).id;
      session.sessionIds[ids[role]] = (await openStaffSession({ staffUserId: ids[role] })).id;
    }
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.drop();
  });
  beforeEach(() => {
    installDatabase(t.database);
  });

  const create = (url = receiver.url) =>
    createEndpointAction({
      url,
      events: ["authorizer.authorized", "authorizer.revoked", "authorizer.authorized"],
      description: " billing service ",
      routes: [
        { msgType: "text", reply: true },
        { authorizerAppid: "", merchantRef: "m-7", event: "" },
      ],
    });

  it("lets only admins manage endpoints; operators test and redeliver; viewers nothing, each refusal audited", async () => {
    as("admin");
    const { id } = okData(await create());
    const unknownDelivery = "00000000-0000-4000-8000-000000000000";
    const manage = [
      () => create(),
      () => rotateSecretAction({ id }),
      () => disableEndpointAction({ id }),
      () => enableEndpointAction({ id }),
      () => deleteEndpointAction({ id }),
      () => saveRoutesAction({ id, routes: [] }),
    ];
    const operate = [() => sendTestAction({ id }), () => redeliverAction({ deliveryId: unknownDelivery })];

    as("viewer");
    const refusedBefore = (await audits("console.action_refused")).length;
    for (const run of [...manage, ...operate]) expect(await run()).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await audits("console.action_refused")).length).toBe(refusedBefore + manage.length + operate.length);

    as("operator");
    for (const run of manage) expect(await run()).toMatchObject({ ok: false, error: { code: "forbidden", needed: "admin" } });
    // Past the role check: the work answers (an unknown delivery), and the test really goes out.
    expect(await redeliverAction({ deliveryId: unknownDelivery })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(okData(await sendTestAction({ id }))).toMatchObject({ ok: true, status: 204 });
    // Nothing a refused role tried changed the endpoint.
    expect(await loadEndpointDetail(id)).toMatchObject({ state: { kind: "active" }, routes: [expect.anything(), expect.anything()] });
  });

  it("creates an endpoint whose secret, returned once, signs the test event the receiver gets and the log shows", async () => {
    as("admin");
    const created = okData(await create());
    expect(created.secret).toMatch(/^whsec_/);
    const [summary] = (await listEndpointSummaries()).filter((e) => e.id === created.id);
    expect(summary).toMatchObject({
      url: receiver.url,
      description: "billing service",
      events: ["authorizer.authorized", "authorizer.revoked"],
      state: { kind: "active" },
      pending: 0,
      failed: 0,
    });
    expect(summary!.routes).toHaveLength(2);
    expect(summary!.routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msgType: "text", reply: true, authorizerAppid: null, merchantRef: null }),
        expect.objectContaining({ merchantRef: "m-7", msgType: null, event: null, reply: false }),
      ]),
    );
    // The audit names the endpoint and never holds the secret.
    const [audit] = (await audits("webhook.endpoint_created")).filter((a) => a.target === `webhook:${created.id}`);
    expect(audit).toMatchObject({ actorId: ids.admin, details: { url: receiver.url, routes: 2 } });
    expect(JSON.stringify(audit!.details)).not.toContain(created.secret);

    const before = receiver.received.length;
    const outcome = okData(await sendTestAction({ id: created.id }));
    expect(outcome).toMatchObject({ ok: true, status: 204, error: null });
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.json).toMatchObject({ type: "webhook.test", data: { component_appid: getEnv().component.appid } });
    expect(verifyStandardSignature({ secret: created.secret, headers: got[0]!.headers, body: got[0]!.body })).toBe(true);

    const log = await listDeliveries({ endpointId: created.id });
    expect(log.rows).toEqual([
      expect.objectContaining({ eventType: "webhook.test", status: "delivered", attempts: 1, lastStatusCode: 204, nextAttemptAt: null }),
    ]);
    expect(log.rows[0]!.eventId).toBe(got[0]!.headers["webhook-id"]);
  });

  it("refuses a URL the policy does not allow, naming the field and why", async () => {
    as("admin");
    const result = await createEndpointAction({ url: "ftp://saas.example.com/hooks", events: ["authorizer.revoked"] });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "url", message: expect.stringMatching(/http/) }] },
    });
    expect(await createEndpointAction({ url: receiver.url, events: [] })).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "events" }] },
    });
  });

  it("shows a disabled endpoint with its reason, counts it for the overview, and enables it again", async () => {
    as("admin");
    const { id } = okData(await create());
    const before = await endpointHealthCounts();
    okData(await disableEndpointAction({ id, reason: "receiver moved" }));
    expect(await loadEndpointDetail(id)).toMatchObject({ state: { kind: "disabled", reason: "receiver moved" } });
    expect(await endpointHealthCounts()).toEqual({ ...before, disabled: before.disabled + 1 });
    okData(await enableEndpointAction({ id }));
    expect(await loadEndpointDetail(id)).toMatchObject({ state: { kind: "active" } });
    expect((await audits("webhook.endpoint_disabled")).at(-1)).toMatchObject({
      target: `webhook:${id}`,
      details: { reason: "receiver moved" },
    });
  });

  it("rotates the secret: the new one is returned once and the old one keeps signing for 24 h", async () => {
    as("admin");
    const { id, secret } = okData(await create());
    const started = Date.now();
    const rotated = okData(await rotateSecretAction({ id }));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    const graceMs = new Date(rotated.previousExpiresAt).getTime() - started;
    expect(graceMs).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(graceMs).toBeLessThan(24 * 3600_000 + 60_000);
    expect((await loadEndpointDetail(id))?.previousSecretExpiresAt).toEqual(new Date(rotated.previousExpiresAt));

    const before = receiver.received.length;
    okData(await sendTestAction({ id }));
    const [got] = receiver.received.slice(before);
    expect(verifyStandardSignature({ secret: rotated.secret, headers: got!.headers, body: got!.body })).toBe(true);
    expect(verifyStandardSignature({ secret, headers: got!.headers, body: got!.body })).toBe(true);
    expect(JSON.stringify((await audits("webhook.secret_rotated")).map((a) => a.details))).not.toContain(rotated.secret);
  });

  it("replaces routes as a whole and refuses a malformed one", async () => {
    as("admin");
    const { id } = okData(await create());
    okData(await saveRoutesAction({ id, routes: [{ authorizerAppid: "wx00000000000000aa", event: "subscribe", reply: false }] }));
    expect((await loadEndpointDetail(id))?.routes).toEqual([
      expect.objectContaining({ authorizerAppid: "wx00000000000000aa", event: "subscribe", msgType: null, merchantRef: null }),
    ]);
    expect(await saveRoutesAction({ id, routes: [{ msgType: "not a type", reply: false }] })).toMatchObject({
      ok: false,
      error: { code: "invalid_input", issues: [{ path: "routes.0.msgType" }] },
    });
    expect((await loadEndpointDetail(id))?.routes).toHaveLength(1);
  });

  it("redelivers a failed delivery under the same webhook-id, and a deleted endpoint is gone from the list", async () => {
    as("admin");
    const { id } = okData(await create());
    receiver.answer(() => ({ status: 500, body: "boom" }));
    const failed = okData(await sendTestAction({ id }));
    receiver.answer(() => ({ status: 204 }));
    expect(failed).toMatchObject({ ok: false, status: 500 });
    const [row] = (await listDeliveries({ endpointId: id, status: "failed" })).rows;
    expect(row).toMatchObject({ status: "failed", lastStatusCode: 500, lastResponse: "boom" });

    as("operator");
    okData(await redeliverAction({ deliveryId: row!.id }));
    expect(await db().webhookDelivery.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({
      status: "pending",
      eventId: row!.eventId,
    });
    expect((await audits("webhook.redelivered")).at(-1)).toMatchObject({ actorId: ids.operator, details: { deliveryId: row!.id } });

    as("admin");
    okData(await deleteEndpointAction({ id }));
    expect((await listEndpointSummaries()).map((e) => e.id)).not.toContain(id);
    expect(await loadEndpointDetail(id)).toBeNull();
    expect(await deleteEndpointAction({ id })).toMatchObject({ ok: false, error: { code: "not_found" } });
    // Its log is kept; the delivery that was waiting will not be sent.
    expect(await db().webhookDelivery.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({ status: "failed" });
  });

  describe("merchant_ref", () => {
    const APPID = "wx00000000000000m1";

    beforeAll(async () => {
      installDatabase(t.database);
      const componentAppid = getEnv().component.appid;
      await db().authorizer.createMany({
        data: [
          { appid: "wx00000000000000a1", componentAppid, nickName: "青禾书店", merchantRef: "m-42" },
          { appid: "wx00000000000000a2", componentAppid, nickName: "云杉书店", merchantRef: "m-42x" },
          { appid: "wx00000000000000a3", componentAppid, nickName: "南山书店" },
        ],
      });
    });

    it("a link carries merchant_ref and return_url, shown in the list; a return_url on another origin is refused", async () => {
      as("operator");
      // Valid input gets past validation to WeChat (none here: no ticket); the e2e spec makes one for real.
      expect(await createLinkAction({ authType: 3, merchantRef: " m-42 ", returnUrl: "https://saas.example.com/done" })).toMatchObject({
        ok: false,
        error: { code: "no_ticket" },
      });
      expect(await createLinkAction({ authType: 3, merchantRef: "m-1", returnUrl: "https://evil.example.net/x" })).toMatchObject({
        ok: false,
        error: { code: "invalid_input", issues: [{ path: "returnUrl" }] },
      });
      expect(await createLinkAction({ authType: 3, merchantRef: "x".repeat(129) })).toMatchObject({
        ok: false,
        error: { code: "invalid_input", issues: [{ path: "merchantRef" }] },
      });
      const attempt = await createAttempt(
        { authType: 3, merchantRef: "m-42", returnUrl: "https://saas.example.com/done" },
        { createdById: ids.operator, mint: false },
      );
      const { rows } = await listAttempts({});
      expect(rows.find((row) => row.id === attempt.id)).toMatchObject({
        merchantRef: "m-42",
        returnUrl: "https://saas.example.com/done",
        createdBy: "operator@example.com",
      });
      expect(await loadAttempt(attempt.id)).toMatchObject({ merchantRef: "m-42" });
    });

    it("filters the authorizers list by merchant_ref exactly", async () => {
      const page = await listAuthorizers(parseListQuery({ merchant: "m-42" }));
      expect(page.rows.map((row) => [row.appid, row.merchantRef])).toEqual([["wx00000000000000a1", "m-42"]]);
      expect(page.total).toBe(1);
      expect((await listAuthorizers(parseListQuery({}))).total).toBe(3);
    });

    it("staff rebind an account: the history keeps each binding, a viewer may not", async () => {
      await db().authorizer.create({ data: { appid: APPID, componentAppid: getEnv().component.appid } });
      as("viewer");
      expect(await changeMerchantAction({ appid: APPID, merchantRef: "m-1" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
      as("operator");
      expect(okData(await changeMerchantAction({ appid: APPID, merchantRef: "m-1" }))).toEqual({ changed: true });
      expect(okData(await changeMerchantAction({ appid: APPID, merchantRef: "m-1" }))).toEqual({ changed: false });
      expect(okData(await changeMerchantAction({ appid: APPID, merchantRef: " m-2 " }))).toEqual({ changed: true });
      expect((await db().authorizer.findUniqueOrThrow({ where: { appid: APPID } })).merchantRef).toBe("m-2");
      const history = await loadMerchantBindings(APPID);
      expect(history.map((b) => [b.merchantRef, b.source, b.unboundAt === null])).toEqual([
        ["m-2", "staff", true],
        ["m-1", "staff", false],
      ]);
      // Blank unbinds.
      expect(okData(await changeMerchantAction({ appid: APPID, merchantRef: "" }))).toEqual({ changed: true });
      expect((await db().authorizer.findUniqueOrThrow({ where: { appid: APPID } })).merchantRef).toBeNull();
      expect(await changeMerchantAction({ appid: "wx0000000000000nope", merchantRef: "m-1" })).toMatchObject({
        ok: false,
        error: { code: "not_found" },
      });
      expect((await audits("authorizer.merchant_rebound")).map((a) => a.details)).toEqual([
        { before: null, after: "m-1" },
        { before: "m-1", after: "m-2" },
        { before: "m-2", after: null },
      ]);
    });
  });
});
