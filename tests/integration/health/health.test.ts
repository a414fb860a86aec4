import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET } from "@/app/api/health/route";
import { openDatabase, installDatabase, type Database } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { storePush } from "@/lib/authorization/pushes";
import type { HealthReport } from "@/lib/health";
import { parseComponentPush } from "@/lib/wechat/component-push";
import { buildXml } from "@/lib/wechat/xml";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { ensureComponent, NOWHERE, removeAuthorizers, seedAuthorizerRow, seedTicket } from "../jobs/seed";

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

async function getHealth(): Promise<{ status: number; body: HealthReport; raw: string; cacheControl: string | null }> {
  const response = await GET();
  const raw = await response.text();
  return { status: response.status, body: JSON.parse(raw) as HealthReport, raw, cacheControl: response.headers.get("cache-control") };
}

describe(`GET /api/health (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let ticket: string;
  let componentToken: string;
  const appid = () => getEnv().component.appid;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE });
    await ensureComponent();
  });
  afterAll(async () => {
    await sandbox?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await removeAuthorizers();
    await t.database.prisma.receivedPush.deleteMany();
    ticket = await seedTicket({ sandbox });
    componentToken = (await getComponentAccessToken()).token;
  });

  it("is ok with a fresh ticket, a valid component token, nothing overdue and no stuck pushes", async () => {
    await seedAuthorizerRow({ appid: "wx00000000000000a1", refreshAt: new Date(Date.now() + 60 * 60_000) });
    const { status, body, raw, cacheControl } = await getHealth();
    expect(status).toBe(200);
    expect(cacheControl).toBe("no-store");
    expect(body).toMatchObject({
      status: "ok",
      database: { reachable: true, latencyMs: expect.any(Number) },
      ticket: { stale: false, ageSeconds: expect.any(Number) },
      componentToken: { valid: true, expiresAt: expect.any(String) },
      refreshQueue: { lagSeconds: 0, due: 0 },
      pushes: { unprocessed: 0, oldestUnprocessedAgeSeconds: null },
      problems: [],
    });
    expect(body.ticket!.ageSeconds).toBeLessThan(60);
    expect(Date.parse(body.checkedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(body.componentToken!.expiresAt!)).toBeGreaterThan(Date.now());
    // Public: times, counts and booleans, never a credential.
    for (const secret of [ticket, componentToken, getEnv().component.appsecret, "placeholder-", "refresh-"])
      expect(raw).not.toContain(secret);
  });

  it("is degraded (200) when the newest ticket is older than 20 minutes: the watchdog's red", async () => {
    await t.database.prisma.component.update({ where: { appid: appid() }, data: { verifyTicketReceivedAt: minutesAgo(25) } });
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual(["ticket_stale"]);
    expect(body.ticket).toMatchObject({ stale: true });
    expect(body.ticket!.ageSeconds).toBeGreaterThanOrEqual(25 * 60);
  });

  it("is degraded when no ticket ever arrived", async () => {
    await t.database.prisma.component.update({
      where: { appid: appid() },
      data: { verifyTicketEnc: null, verifyTicketKeyId: null, verifyTicketCreateTime: null, verifyTicketReceivedAt: null },
    });
    const { body } = await getHealth();
    expect(body.status).toBe("degraded");
    expect(body.ticket).toEqual({ receivedAt: null, ageSeconds: null, stale: true });
  });

  it("is degraded when the component token has expired", async () => {
    await t.database.prisma.component.update({ where: { appid: appid() }, data: { accessTokenExpiresAt: minutesAgo(1) } });
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual(["component_token_invalid"]);
    expect(body.componentToken).toMatchObject({ valid: false });
  });

  it("reports refresh lag, and is degraded once the most overdue token is more than 5 minutes late", async () => {
    await seedAuthorizerRow({ appid: "wx00000000000000b1", refreshAt: minutesAgo(2) });
    await seedAuthorizerRow({ appid: "wx00000000000000b2", refreshAt: null });
    await seedAuthorizerRow({ appid: "wx00000000000000b3", refreshAt: minutesAgo(60), status: "revoked" });
    const calm = await getHealth();
    expect(calm.body.status).toBe("ok");
    expect(calm.body.refreshQueue).toMatchObject({ due: 2 });
    expect(calm.body.refreshQueue!.lagSeconds).toBeGreaterThanOrEqual(120);
    expect(calm.body.refreshQueue!.lagSeconds).toBeLessThan(180);

    await seedAuthorizerRow({ appid: "wx00000000000000b4", refreshAt: minutesAgo(10) });
    const late = await getHealth();
    expect(late.status).toBe(200);
    expect(late.body.status).toBe("degraded");
    expect(late.body.problems).toEqual(["refresh_lagging"]);
    expect(late.body.refreshQueue).toMatchObject({ due: 3 });
    expect(late.body.refreshQueue!.lagSeconds).toBeGreaterThanOrEqual(600);
  });

  it("is degraded when a stored push has waited more than 5 minutes to be processed", async () => {
    const xml = buildXml({
      AppId: appid(),
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: "unauthorized",
      AuthorizerAppid: "wx00000000000000c1",
    });
    const stored = await storePush({ push: parseComponentPush(xml), xml });
    const fresh = await getHealth();
    expect(fresh.body.status).toBe("ok");
    expect(fresh.body.pushes).toMatchObject({ unprocessed: 1 });

    await t.database.prisma.receivedPush.update({ where: { id: stored.pushId }, data: { receivedAt: minutesAgo(8) } });
    const { body } = await getHealth();
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual(["pushes_stuck"]);
    expect(body.pushes!.unprocessed).toBe(1);
    expect(body.pushes!.oldestUnprocessedAgeSeconds).toBeGreaterThanOrEqual(8 * 60);
  });

  describe("down (503)", () => {
    let other: Database | undefined;
    afterAll(async () => {
      installDatabase(t.database);
      await other?.close().catch(() => {});
    });

    it("when the database has been closed", async () => {
      other = openDatabase({ url: t.url });
      await other.prisma.$queryRaw`SELECT 1`;
      await other.close();
      installDatabase(other);
      const { status, body } = await getHealth();
      expect(status).toBe(503);
      expect(body).toMatchObject({
        status: "down",
        database: { reachable: false, latencyMs: null },
        ticket: null,
        problems: ["database_unreachable"],
      });
      other = undefined;
    });

    it("when the database server does not answer", async () => {
      other = openDatabase({ url: "postgresql://postgres@127.0.0.1:1/nowhere" });
      installDatabase(other);
      const started = Date.now();
      const { status, body } = await getHealth();
      expect(status).toBe(503);
      expect(body.status).toBe("down");
      // Bounded by the check's own 3 s database timeout (plus a loaded machine's slack), never a hang.
      expect(Date.now() - started).toBeLessThan(8000);
    });
  });
});
