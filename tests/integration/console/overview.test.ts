// The console overview's "what needs someone" against a real database: accounts to re-authorize,
// failing token refreshes (an error newer than the last success, accounts still in service only), a
// stale or missing ticket, failing and disabled endpoints, pending deliveries and the last day's
// failed ones; and "healthy" when none of it is there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allHealthy, loadOverview } from "@/lib/console/overview";
import { getEnv } from "@/lib/env";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const appid = (n: number) => `wx${n.toString(16).padStart(16, "0")}`;
const HOUR = 3600_000;

describe(`console overview (${databaseKind})`, () => {
  let t: TestDatabase;
  const now = new Date();
  const componentAppid = () => getEnv().component.appid;

  beforeAll(async () => {
    t = await createTestDatabase();
    await t.database.prisma.component.create({
      data: { appid: componentAppid(), verifyTicketReceivedAt: new Date(now.getTime() - 60_000) },
    });
  });
  afterAll(() => t.drop());

  it("is healthy with a fresh ticket and nothing failing", async () => {
    const overview = await loadOverview({ now });
    expect(overview.attention.ticket.stale).toBe(false);
    expect(allHealthy(overview.attention)).toBe(true);
  });

  it("names what needs someone", async () => {
    const prisma = t.database.prisma;
    const account = (n: number, status: "authorized" | "revoked" | "needs_reauthorization", nickName = `账号${n}`) => ({
      appid: appid(n),
      componentAppid: componentAppid(),
      accountType: "official_account" as const,
      nickName,
      status,
    });
    await prisma.authorizer.createMany({
      data: [
        account(1, "needs_reauthorization", "要重新授权的店"),
        account(2, "authorized", "刷新失败的店"),
        account(3, "authorized"),
        account(4, "revoked"),
      ],
    });
    await prisma.authorizerCredential.createMany({
      data: [
        // Failing: its last error is newer than its last good refresh.
        {
          authorizerAppid: appid(2),
          lastRefreshedAt: new Date(now.getTime() - HOUR),
          lastErrorAt: now,
          lastErrorCode: 45009,
          lastError: "quota",
        },
        // Recovered: an old error, refreshed since.
        {
          authorizerAppid: appid(3),
          lastRefreshedAt: now,
          lastErrorAt: new Date(now.getTime() - HOUR),
          lastErrorCode: -1,
          lastError: "busy",
        },
        // Revoked: disabled, no longer anyone's job to refresh.
        { authorizerAppid: appid(4), lastErrorAt: now, lastErrorCode: 61003, lastError: "revoked", disabledAt: now },
      ],
    });
    const endpoint = (id: string, extra: Record<string, unknown>) => ({
      id,
      componentAppid: componentAppid(),
      url: `https://hooks.example.com/${id}`,
      events: ["authorizer.authorized"],
      secretEnc: "sealed",
      secretKeyId: "k1",
      ...extra,
    });
    await prisma.webhookEndpoint.createMany({
      data: [
        endpoint("00000000-0000-4000-8000-000000000001", { failingSince: new Date(now.getTime() - HOUR) }),
        endpoint("00000000-0000-4000-8000-000000000002", { disabledAt: now, disabledReason: "by staff" }),
        endpoint("00000000-0000-4000-8000-000000000003", {}),
      ],
    });
    await prisma.webhookEvent.create({
      data: { id: "evt_1", componentAppid: componentAppid(), type: "authorizer.authorized", payload: {} },
    });
    const delivery = (n: number, status: "pending" | "failed" | "delivered", lastAttemptAt: Date | null) => ({
      id: `00000000-0000-4000-9000-00000000000${n}`,
      eventId: "evt_1",
      endpointId: `00000000-0000-4000-8000-00000000000${n}`,
      componentAppid: componentAppid(),
      status,
      lastAttemptAt,
    });
    await prisma.webhookDelivery.createMany({
      data: [delivery(1, "pending", now), delivery(2, "failed", new Date(now.getTime() - 2 * HOUR)), delivery(3, "delivered", now)],
    });
    // The ticket last came 21 minutes ago.
    await prisma.component.update({
      where: { appid: componentAppid() },
      data: { verifyTicketReceivedAt: new Date(now.getTime() - 21 * 60_000) },
    });

    const { attention } = await loadOverview({ now });
    expect(attention.needsReauthorization).toEqual({ count: 1, sample: [{ appid: appid(1), nickName: "要重新授权的店" }] });
    expect(attention.failingRefreshes).toEqual({ count: 1, sample: [{ appid: appid(2), nickName: "刷新失败的店", errcode: 45009 }] });
    expect(attention.ticket.stale).toBe(true);
    expect(attention.webhooks).toEqual({ failingEndpoints: 1, disabledEndpoints: 1, pendingDeliveries: 1, failedDeliveries: 1 });
    expect(allHealthy(attention)).toBe(false);

    // A failure older than a day is the endpoint log's history, not something to act on.
    const { attention: later } = await loadOverview({ now: new Date(now.getTime() + 23 * HOUR) });
    expect(later.webhooks.failedDeliveries).toBe(0);
  });

  it("says so when no ticket ever came", async () => {
    await t.database.prisma.component.update({ where: { appid: componentAppid() }, data: { verifyTicketReceivedAt: null } });
    const { attention } = await loadOverview({ now });
    expect(attention.ticket).toEqual({ stale: true, receivedAt: null });
  });
});
