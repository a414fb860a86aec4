// The console's authorizer list against a real database: filters, search, every sort with keyset
// pages walked forward and back (no row lost or repeated, NULL names included), the capped count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COUNT_CAP, listAuthorizers, parseListQuery, type AuthorizerPage } from "@/lib/console/authorizer-list";
import { getEnv } from "@/lib/env";
import type { AccountType, AuthorizerStatus } from "@/lib/generated/prisma/enums";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";

const TYPES: AccountType[] = ["official_account", "official_account", "mini_program", "channels", "promoter"];
const STATUSES: AuthorizerStatus[] = ["authorized", "authorized", "updated", "revoked", "needs_reauthorization"];
const appidOf = (i: number) => `wx${i.toString(16).padStart(16, "0")}`;

describe(`console authorizer list (${databaseKind})`, () => {
  let t: TestDatabase;
  const ROWS = 137;

  beforeAll(async () => {
    t = await createTestDatabase();
    const prisma = t.database.prisma;
    const componentAppid = getEnv().component.appid;
    await prisma.component.create({ data: { appid: componentAppid } });
    const base = Date.UTC(2026, 0, 1);
    await prisma.authorizer.createMany({
      data: Array.from({ length: ROWS }, (_, i) => ({
        appid: appidOf(i + 1),
        componentAppid,
        accountType: TYPES[i % TYPES.length]!,
        serviceType: i % TYPES.length === 1 ? 2 : 0,
        verifyType: i % 3 === 0 ? -1 : 0,
        // Every 10th account has no name yet; a few share a name to exercise the appid tie-break;
        // one has LIKE's wildcards in it.
        nickName: i % 10 === 0 ? null : i === 7 ? "100%_真_咖啡" : i % 13 === 0 ? "同名小店" : `${["青禾", "云杉", "南山"][i % 3]}书店${i}`,
        principalName: `杭州公司${i}`,
        status: STATUSES[i % STATUSES.length]!,
        // Two accounts per minute: equal times exercise the appid tie-break too.
        authorizedAt: new Date(base + Math.floor(i / 2) * 60_000),
      })),
    });
    await prisma.authorizerPermissionSet.createMany({
      data: Array.from({ length: ROWS }, (_, i) => [
        { authorizerAppid: appidOf(i + 1), funcscopeId: 1 },
        ...(i % 2 === 0 ? [{ authorizerAppid: appidOf(i + 1), funcscopeId: 17 }] : []),
      ]).flat(),
    });
    await prisma.authorizerCredential.create({
      data: {
        authorizerAppid: appidOf(2),
        accessTokenExpiresAt: new Date(Date.now() + 3600_000),
        lastRefreshedAt: new Date(),
        lastErrorCode: 45009,
        lastError: "quota",
        lastErrorAt: new Date(Date.now() + 1000),
      },
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  const list = (params: Record<string, string>) => listAuthorizers(parseListQuery(params));

  async function walk(params: Record<string, string>): Promise<{ forward: string[]; backward: string[] }> {
    const forward: string[] = [];
    const pages: AuthorizerPage[] = [];
    let page = await list({ ...params, size: "20" });
    expect(page.prev).toBeNull();
    for (;;) {
      pages.push(page);
      forward.push(...page.rows.map((r) => r.appid));
      if (!page.next) break;
      page = await list({ ...params, size: "20", after: page.next });
    }
    // And back from the last page with `before`, which must give the same pages in reverse.
    const backward: string[] = [...page.rows.map((r) => r.appid)];
    while (page.prev) {
      page = await list({ ...params, size: "20", before: page.prev });
      backward.unshift(...page.rows.map((r) => r.appid));
    }
    return { forward, backward };
  }

  it("shows every account newest first, with kind, verification, permission sets and token health", async () => {
    const page = await list({});
    expect(page.total).toBe(ROWS);
    expect(page.totalCapped).toBe(false);
    expect(page.rows).toHaveLength(50);
    const times = page.rows.map((r) => r.authorizedAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const second = (await list({ q: appidOf(2) })).rows[0]!;
    expect(second).toMatchObject({ kind: "service", verification: "wechat", permissionSetIds: [1] });
    expect(second.token).toMatchObject({ state: "failing", lastErrorCode: 45009 });
    expect((await list({ q: appidOf(1) })).rows[0]).toMatchObject({
      kind: "subscription",
      verification: "unverified",
      permissionSetIds: [1, 17],
    });
    expect((await list({ q: appidOf(3) })).rows[0]!.token.state).toBe("missing");
  });

  it.each(["authorized_desc", "authorized_asc", "name_asc", "name_desc"])(
    "pages through sort %s without losing or repeating a row",
    async (sort) => {
      const { forward, backward } = await walk({ sort });
      expect(forward).toHaveLength(ROWS);
      expect(new Set(forward).size).toBe(ROWS);
      expect(backward).toEqual(forward);
    },
  );

  it("pages through a filtered, sorted list the same way", async () => {
    const { forward, backward } = await walk({ sort: "name_asc", set: "17", status: "authorized" });
    const expected = await t.database.prisma.authorizer.count({
      where: { status: "authorized", permissionSets: { some: { funcscopeId: 17 } } },
    });
    expect(forward).toHaveLength(expected);
    expect(new Set(forward).size).toBe(expected);
    expect(backward).toEqual(forward);
  });

  it("sorts names with the unnamed accounts last", async () => {
    const names = (await walk({ sort: "name_asc" })).forward;
    const rows = await t.database.prisma.authorizer.findMany({ where: { appid: { in: names.slice(-14) } }, select: { nickName: true } });
    expect(rows.filter((r) => r.nickName === null)).toHaveLength(14);
  });

  it("filters by status, kind and permission set", async () => {
    expect((await list({ status: "revoked" })).rows.every((r) => r.status === "revoked")).toBe(true);
    expect((await list({ status: "revoked" })).total).toBe(await t.database.prisma.authorizer.count({ where: { status: "revoked" } }));
    const service = await list({ kind: "service" });
    expect(service.rows.length).toBeGreaterThan(0);
    expect(service.rows.every((r) => r.kind === "service")).toBe(true);
    const subscription = await list({ kind: "subscription" });
    expect(subscription.rows.every((r) => r.kind === "subscription")).toBe(true);
    expect((await list({ kind: "channels" })).rows.every((r) => r.accountType === "channels")).toBe(true);
    const withSet = await list({ set: "17", size: "100" });
    expect(withSet.total).toBe(Math.ceil(ROWS / 2));
    expect(withSet.rows.every((r) => r.permissionSetIds.includes(17))).toBe(true);
  });

  it("searches names anywhere, appids from their start or whole, and treats % and _ literally", async () => {
    const byName = await list({ q: "云杉" });
    expect(byName.total).toBeGreaterThan(0);
    expect(byName.rows.every((r) => r.nickName?.includes("云杉"))).toBe(true);
    expect((await list({ q: appidOf(100) })).rows.map((r) => r.appid)).toEqual([appidOf(100)]);
    const prefix = await list({ q: "wx00000000000000" });
    expect(prefix.rows.length).toBeGreaterThan(0);
    expect(prefix.rows.every((r) => r.appid.startsWith("wx00000000000000"))).toBe(true);
    expect((await list({ q: "100%_" })).rows.map((r) => r.nickName)).toEqual(["100%_真_咖啡"]);
    expect((await list({ q: "%" })).total).toBe(1);
    expect((await list({ q: "不存在" })).total).toBe(0);
  });

  it("finds by name exactly the names that contain the query, whatever its length (the character-pair index)", async () => {
    const names = (await t.database.prisma.authorizer.findMany({ select: { nickName: true } })).map((r) => r.nickName);
    // "真_真": both its pairs are in "100%_真_咖啡", not one after the other: the name must not match.
    for (const q of ["真", "书店", "书店1", "杉书店12", "真_真", "_真_咖"]) {
      const expected = names.filter((name) => name?.includes(q)).length;
      expect((await list({ q })).total, q).toBe(expected);
    }
    expect((await list({ q: "真_真" })).total).toBe(0);
  });

  it("ignores malformed query parameters instead of failing", async () => {
    const page = await list({ status: "nonsense", kind: "x", set: "abc", sort: "drop table", size: "7", after: "not-a-cursor" });
    expect(page.total).toBe(ROWS);
    expect(page.rows).toHaveLength(50);
  });

  it(`stops counting at ${COUNT_CAP}`, async () => {
    const componentAppid = getEnv().component.appid;
    await t.database.prisma.authorizer.createMany({
      data: Array.from({ length: COUNT_CAP }, (_, i) => ({
        appid: appidOf(10_000 + i),
        componentAppid,
        nickName: `批量${i}`,
        authorizedAt: new Date(Date.UTC(2025, 0, 1)),
      })),
    });
    const page = await list({});
    expect(page).toMatchObject({ total: COUNT_CAP, totalCapped: true });
    expect((await list({ q: "批量99" })).total).toBe(11);
  });
});
