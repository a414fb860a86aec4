// The lifecycle webhooks are written to the outbox (webhook_events) in the transaction of the change
// they report: an authorization through a link with a merchant_ref, a re-authorization and an
// updateauthorized push that change the sets, a revocation, a lost grant, a link that fails, is
// cancelled or expires, and the ticket going silent. A superseded push and a rolled-back change
// write nothing. Delivery is the worker's (tests/integration/hub/webhook-delivery.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { GET as callback } from "@/app/api/wechat/authorize/callback/route";
import { createAttempt, expireAbandonedAttempts, failAttempt, getAttempt } from "@/lib/authorization/attempts";
import { markNeedsReauthorization } from "@/lib/authorization/status";
import { runTicketWatchdog } from "@/lib/jobs/ticket-watchdog";
import { cancelMerchantAttempt } from "@/lib/merchant/attempts";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { processStoredPush, storePush } from "@/lib/authorization/pushes";
import { parseComponentPush } from "@/lib/wechat/component-push";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { permissionSetName } from "@/lib/wechat/permission-sets";
import { buildXml } from "@/lib/wechat/xml";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";
import { callbackWithCodeOf, newSandboxAccount, type SandboxAccount as Account } from "./link-helpers";

type EventRow = { id: string; type: string; authorizerAppid: string | null; merchantRef: string | null; payload: unknown };
type Data = Record<string, unknown>;

const unixNow = () => Math.floor(Date.now() / 1000);

const named = (ids: number[]) => [...ids].sort((a, b) => a - b).map((id) => ({ id, name: permissionSetName(id, "zh-CN") }));
const dataOf = (row: EventRow) => (row.payload as { data: Data }).data;

describe(`lifecycle events in the outbox (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;

  const newAccount = () => newSandboxAccount(sandbox);
  const events = (where: { type?: string; authorizerAppid?: string; attemptId?: string }): Promise<EventRow[]> =>
    t.database.prisma.webhookEvent.findMany({
      where: {
        type: where.type,
        authorizerAppid: where.authorizerAppid,
        ...(where.attemptId ? { payload: { path: ["data", "attempt_id"], equals: where.attemptId } } : {}),
      },
      orderBy: { createdAt: "asc" },
    });
  const arrive = (url: URL) => callback(new Request(url.toString().replace(/^https?:\/\/[^/]+/, "http://localhost:3000")));
  const statusBecomes = (appid: string, status: string) =>
    eventually(async () => {
      await portal.idle();
      const row = await t.database.prisma.authorizer.findUnique({ where: { appid } });
      return row?.status === status ? row : undefined;
    });

  beforeAll(async () => {
    ({ t, sandbox, portal } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("announces an authorization through a link with its merchant_ref, attempt and named sets, once though callback and push race", async () => {
    const account = await newAccount();
    const attempt = await createAttempt({ authType: 1, merchantRef: "shop-42" });
    const granted = account.permissionSets.slice(0, 3);
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid, funcIds: granted });
    expect((await arrive(back)).status).toBe(303);
    await portal.idle();

    const authorized = await events({ type: "authorizer.authorized", authorizerAppid: account.appid });
    expect(authorized).toHaveLength(1);
    const [event] = authorized;
    expect(event!.merchantRef).toBe("shop-42");
    expect(event!.payload).toMatchObject({ type: "authorizer.authorized", timestamp: expect.any(String) });
    expect(dataOf(event!)).toEqual({
      component_appid: getEnv().component.appid,
      authorizer_appid: account.appid,
      merchant_ref: "shop-42",
      account_type: "official_account",
      nick_name: expect.any(String),
      principal_name: expect.any(String),
      permission_sets: named(granted),
      attempt_id: attempt.id,
    });
    expect((await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid: account.appid } })).merchantRef).toBe("shop-42");
  });

  it("announces a re-authorization that changes the sets, and an updateauthorized push, as authorizer.updated with before and after", async () => {
    const account = await newAccount();
    const [a, b, c] = account.permissionSets;
    await sandboxControl(sandbox, "authorize", { appid: account.appid, ids: [a, b], push: true });
    await statusBecomes(account.appid, "authorized");
    const first = await events({ authorizerAppid: account.appid });
    expect(first.map((row) => row.type)).toEqual(["authorizer.authorized"]);
    expect(dataOf(first[0]!)).toMatchObject({ merchant_ref: null, attempt_id: null, permission_sets: named([a!, b!]) });

    // Again through a link for another merchant, granting b and c.
    const attempt = await createAttempt({ authType: 1, merchantRef: "shop-7" });
    await arrive(await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid, funcIds: [b!, c!] }));
    await portal.idle();
    const [updated] = await events({ type: "authorizer.updated", authorizerAppid: account.appid });
    expect(dataOf(updated!)).toMatchObject({
      merchant_ref: "shop-7",
      attempt_id: attempt.id,
      before: named([a!, b!]),
      after: named([b!, c!]),
      added: named([c!]),
      removed: named([a!]),
      permission_sets: named([b!, c!]),
    });

    // The admin unticks c in WeChat: the updateauthorized push.
    await sandboxControl(sandbox, "set-permission-sets", { appid: account.appid, ids: [b] });
    await eventually(async () => {
      await portal.idle();
      return (await events({ type: "authorizer.updated", authorizerAppid: account.appid })).length === 2 || undefined;
    });
    const pushed = (await events({ type: "authorizer.updated", authorizerAppid: account.appid }))[1]!;
    expect(dataOf(pushed)).toMatchObject({
      merchant_ref: "shop-7",
      attempt_id: null,
      before: named([b!, c!]),
      after: named([b!]),
      added: [],
      removed: named([c!]),
    });
  });

  it("announces a revocation; a late (superseded) unauthorized announces nothing", async () => {
    const account = await newAccount();
    const attempt = await createAttempt({ authType: 1, merchantRef: "shop-rev" });
    await arrive(await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid }));
    await portal.idle();

    const late = unixNow() - 600;
    const fields = { AppId: DEMO_COMPONENT.appid, CreateTime: late, InfoType: "unauthorized", AuthorizerAppid: account.appid };
    // WeChat's late retry, stored for later (as when applying it on arrival failed), then processed.
    const xml = buildXml(fields);
    const stored = await storePush({ push: parseComponentPush(xml), xml });
    expect(await processStoredPush(stored.pushId)).toBe("processed");
    expect((await t.database.prisma.receivedPush.findUniqueOrThrow({ where: { id: stored.pushId } })).supersededAt).not.toBeNull();
    expect((await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid: account.appid } })).status).toBe("authorized");
    expect(await events({ type: "authorizer.revoked", authorizerAppid: account.appid })).toHaveLength(0);

    await sandboxControl(sandbox, "revoke", { appid: account.appid });
    await statusBecomes(account.appid, "revoked");
    const revoked = await events({ type: "authorizer.revoked", authorizerAppid: account.appid });
    expect(revoked).toHaveLength(1);
    expect(dataOf(revoked[0]!)).toMatchObject({
      authorizer_appid: account.appid,
      merchant_ref: "shop-rev",
      source: "push",
      revoked_at: expect.any(String),
    });
  });

  it("announces a lost grant once, with its reason and errcode", async () => {
    const account = await newAccount();
    await sandboxControl(sandbox, "authorize", { appid: account.appid, push: true });
    await statusBecomes(account.appid, "authorized");
    await markNeedsReauthorization({ authorizerAppid: account.appid, reason: "refresh token rejected (61023)", errcode: 61023 });
    await markNeedsReauthorization({ authorizerAppid: account.appid, reason: "refresh token rejected (61023)", errcode: 61023 });
    const lost = await events({ type: "authorizer.reauthorization_required", authorizerAppid: account.appid });
    expect(lost).toHaveLength(1);
    expect(dataOf(lost[0]!)).toMatchObject({ reason: "refresh token rejected (61023)", errcode: 61023, merchant_ref: null });
  });

  it("announces a link that fails (another account), is cancelled, or expires", async () => {
    const wanted = await newAccount();
    const other = await newAccount();
    const pinned = await createAttempt({ authType: 1, bizAppid: wanted.appid, merchantRef: "shop-wrong" });
    // Another account's code (its push lost on the way) brought back under the pinned link's redirect_uri.
    const back = await callbackWithCodeOf({ t, sandbox, attemptId: pinned.id, appid: other.appid });
    const answer = await arrive(back);
    expect(new URL(answer.headers.get("location")!).searchParams.get("error")).toBe("wrong_account");
    await portal.idle();
    const failed = await events({ type: "authorization_link.failed", attemptId: pinned.id });
    expect(failed).toHaveLength(1);
    expect(dataOf(failed[0]!)).toEqual({
      component_appid: getEnv().component.appid,
      authorizer_appid: null,
      merchant_ref: "shop-wrong",
      attempt_id: pinned.id,
      status: "failed",
      reason: "wrong_account",
    });
    // The wrong account's own grant is stored and announced, bound to no merchant.
    expect(dataOf((await events({ type: "authorizer.authorized", authorizerAppid: other.appid }))[0]!)).toMatchObject({
      merchant_ref: null,
      attempt_id: null,
    });

    const cancelled = await createAttempt({ authType: 1, merchantRef: "shop-cancel" }, { mint: false });
    expect((await cancelMerchantAttempt(cancelled.id)).kind).toBe("ok");
    expect(dataOf((await events({ type: "authorization_link.failed", attemptId: cancelled.id }))[0]!)).toMatchObject({
      status: "cancelled",
      reason: "cancelled_by_merchant",
      merchant_ref: "shop-cancel",
    });

    // Nobody comes back after it closed: the sweep writes it down, once.
    const abandoned = await createAttempt({ authType: 1, merchantRef: "shop-late" }, { mint: false });
    const later = new Date(abandoned.expiresAt.getTime() + 16 * 60_000);
    expect(await expireAbandonedAttempts({ now: later })).toBeGreaterThanOrEqual(1);
    expect(await expireAbandonedAttempts({ now: later })).toBe(0);
    expect((await getAttempt(abandoned.id))?.status).toBe("expired");
    const expired = await events({ type: "authorization_link.failed", attemptId: abandoned.id });
    expect(expired).toHaveLength(1);
    expect(dataOf(expired[0]!)).toMatchObject({ status: "expired", reason: "expired", merchant_ref: "shop-late" });
  });

  it("writes nothing when the change rolls back", async () => {
    const attempt = await createAttempt({ authType: 1, merchantRef: "shop-rollback" }, { mint: false });
    const before = await t.database.prisma.webhookEvent.count();

    class Abort extends Error {}
    await expect(
      db().$transaction(async (tx) => {
        expect(await failAttempt({ id: attempt.id, status: "cancelled", reason: "cancelled_by_merchant" }, tx)).toBe(true);
        // Inside the transaction the event is there...
        expect(await tx.webhookEvent.count({ where: { payload: { path: ["data", "attempt_id"], equals: attempt.id } } })).toBe(1);
        throw new Abort();
      }),
    ).rejects.toBeInstanceOf(Abort);
    // ...and after the rollback neither the change nor its event is.
    expect((await getAttempt(attempt.id))?.status).toBe("pending");
    expect(await t.database.prisma.webhookEvent.count()).toBe(before);
  });

  it("announces a silent ticket once per silence", async () => {
    const appid = getEnv().component.appid;
    const component = await t.database.prisma.component.findUniqueOrThrow({ where: { appid } });
    const receivedAt = component.verifyTicketReceivedAt!;
    // Asked a moment ago: the watchdog does not ask the sandbox again (its ticket would end the silence).
    await t.database.prisma.component.update({ where: { appid }, data: { ticketPushRequestedAt: new Date() } });
    const at = (minutes: number) => new Date(receivedAt.getTime() + minutes * 60_000);

    expect((await runTicketWatchdog({ now: at(10) })).announced).toBe(false);
    expect((await runTicketWatchdog({ now: at(25) })).announced).toBe(true);
    expect((await runTicketWatchdog({ now: at(40) })).announced).toBe(false);
    const stale = await events({ type: "component.ticket_stale" });
    expect(stale).toHaveLength(1);
    expect(dataOf(stale[0]!)).toEqual({ component_appid: appid, last_ticket_at: receivedAt.toISOString(), overdue_seconds: 300 });

    // A ticket arrives, then goes silent again: a new silence, a new event.
    const fresh = await sandboxControl<{ ticket: string }>(sandbox, "push-ticket", { wait: true });
    expect(fresh.ticket).toBeTruthy();
    await portal.idle();
    const next = (await t.database.prisma.component.findUniqueOrThrow({ where: { appid } })).verifyTicketReceivedAt!;
    expect(next.getTime()).toBeGreaterThan(receivedAt.getTime());
    await t.database.prisma.component.update({ where: { appid }, data: { ticketPushRequestedAt: new Date() } });
    expect((await runTicketWatchdog({ now: new Date(next.getTime() + 21 * 60_000) })).announced).toBe(true);
    expect(await events({ type: "component.ticket_stale" })).toHaveLength(2);
  });
});
