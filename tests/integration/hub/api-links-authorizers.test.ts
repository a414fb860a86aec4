// The hub's /api/v1 links and authorizers, called as Next.js calls the routes, against a real
// database and the sandbox over HTTP: a link made by the API is authorized on the sandbox's phone
// and its status then names the account, bound to the link's merchant_ref; the authorizers list
// pages by keyset and filters; validation names fields; and the scope rules hold (no hub -> 403,
// read-only -> 403 on writes, a key for some authorizers sees only those).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => {
  process.env.RETURN_URL_ORIGINS = "https://saas.example.com";
  delete (globalThis as { __portalEnv?: unknown }).__portalEnv;
  return [] as (() => unknown)[];
});
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { GET as callback } from "@/app/api/wechat/authorize/callback/route";
import { POST as createLinkRoute } from "@/app/api/v1/authorization-links/route";
import { GET as getLinkRoute } from "@/app/api/v1/authorization-links/[id]/route";
import { GET as listAuthorizersRoute } from "@/app/api/v1/authorizers/route";
import { GET as getAuthorizerRoute } from "@/app/api/v1/authorizers/[appid]/route";
import { ATTEMPT_LIMITS, renewAttempt } from "@/lib/authorization/attempts";
import { getEnv } from "@/lib/env";
import { discardPendingIssuance } from "@/lib/token-centre/issuance";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";
import { seedApiKey } from "../token-centre/seed";

const BASE = "http://portal.test/api/v1";
type Json = Record<string, unknown>;
type Account = { appid: string };

describe(`hub API: links and authorizers (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let hubKey: string;

  const auth = (key: string) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
  const read = async (response: Response) => ({ status: response.status, body: (await response.json()) as Json });
  const createLink = async (body: unknown, key = hubKey) =>
    read(
      await createLinkRoute(new Request(`${BASE}/authorization-links`, { method: "POST", headers: auth(key), body: JSON.stringify(body) })),
    );
  const getLink = async (id: string, key = hubKey) =>
    read(await getLinkRoute(new Request(`${BASE}/authorization-links/${id}`, { headers: auth(key) }), { params: Promise.resolve({ id }) }));
  const listAuthorizers = async (query: string, key = hubKey) =>
    read(await listAuthorizersRoute(new Request(`${BASE}/authorizers?${query}`, { headers: auth(key) })));
  const getAuthorizer = async (appid: string, key = hubKey) =>
    read(
      await getAuthorizerRoute(new Request(`${BASE}/authorizers/${appid}`, { headers: auth(key) }), {
        params: Promise.resolve({ appid }),
      }),
    );
  const newAccount = async () => (await sandboxControl<{ account: Account }>(sandbox, "accounts", { kind: "official_account" })).account;

  /** The merchant opens the link, confirms on the sandbox's phone, and WeChat redirects back to the callback. */
  async function authorizeThroughSandbox(attemptId: string, appid: string): Promise<void> {
    const view = await renewAttempt(attemptId);
    const back = await confirmOnPhone({ h5Link: view!.links!.h5, appid });
    const response = await callback(new Request(back.toString().replace(/^https?:\/\/[^/]+/, "http://localhost:3000")));
    expect(response.status).toBe(303);
    await portal.idle();
  }

  beforeAll(async () => {
    ({ t, sandbox, portal } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
    hubKey = await seedApiKey("crm");
  });
  beforeEach(() => settlePortalStack({ t, portal }));
  afterAll(async () => {
    discardPendingIssuance();
    await stopPortalStack({ t, sandbox, portal });
  });

  it("makes a link for a merchant, which the merchant authorizes; its status then names the account, bound to merchant_ref", async () => {
    const before = Date.now();
    const created = await createLink({
      merchant_ref: "shop-42",
      auth_type: 1,
      category_id_list: [2, 1, 2],
      return_url: "https://saas.example.com/done",
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    const base = getEnv().publicBaseUrl;
    expect(created.body).toEqual({
      id,
      merchant_ref: "shop-42",
      authorize_page_url: `${base}/authorize?attempt=${id}`,
      h5_url: `${base}/m/authorize?attempt=${id}`,
      expires_at: expect.any(String),
      status: "pending",
    });
    // As long as a console link, not a page's hour.
    const expiresAt = Date.parse(String(created.body.expires_at));
    expect(expiresAt).toBeGreaterThanOrEqual(before + ATTEMPT_LIMITS.linkMaxAgeMs);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + ATTEMPT_LIMITS.linkMaxAgeMs);
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      merchantRef: "shop-42",
      returnUrl: "https://saas.example.com/done",
      permissionSetIds: [1, 2],
      createdById: null,
    });
    const audit = await t.database.prisma.auditLog.findFirstOrThrow({ where: { action: "link.created", target: `attempt:${id}` } });
    expect(audit.actorType).toBe("api_key");

    const pending = await getLink(id);
    expect(pending.body).toMatchObject({
      id,
      status: "pending",
      merchant_ref: "shop-42",
      authorizer: null,
      failure: null,
      completed_at: null,
    });

    const account = await newAccount();
    await authorizeThroughSandbox(id, account.appid);
    const done = await getLink(id);
    expect(done.body).toMatchObject({
      status: "completed",
      merchant_ref: "shop-42",
      completed_at: expect.any(String),
      authorizer: { appid: account.appid, account_type: "official_account", status: "authorized" },
      failure: null,
    });

    const record = await getAuthorizer(account.appid);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      appid: account.appid,
      component_appid: getEnv().component.appid,
      merchant_ref: "shop-42",
      status: "authorized",
    });
    expect((record.body.permission_sets as { id: number; name: string }[]).map((set) => set.id)).toEqual(expect.arrayContaining([1, 2]));
    const byMerchant = await listAuthorizers("merchant_ref=shop-42");
    expect((byMerchant.body.data as Json[]).map((item) => item.appid)).toEqual([account.appid]);

    // A key for other authorizers sees the link's account by its appid only, and not its record.
    const other = await seedApiKey("other shop", { component: false, authorizers: ["wx0000000000000001"], readOnly: true, hub: true });
    expect((await getLink(id, other)).body.authorizer).toEqual({ appid: account.appid });
    expect((await getAuthorizer(account.appid, other)).status).toBe(403);
  });

  it("reports a link that failed or expired with the reason", async () => {
    const created = await createLink({ merchant_ref: "shop-late", auth_type: 3 });
    const id = String(created.body.id);
    await t.database.prisma.authorizationAttempt.update({
      where: { id },
      data: { deadlineAt: new Date(Date.now() - 60_000), expiresAt: new Date(Date.now() - 60_000) },
    });
    expect((await getLink(id)).body).toMatchObject({ status: "expired", failure: { reason: "expired", errcode: null } });
    expect((await getLink("no-such-link")).body).toMatchObject({ error: "not_found" });
    expect((await getLink("../etc")).status).toBe(404);
  });

  it("names each wrong field of a link request and of the authorizers query", async () => {
    const bad = await createLink({ merchant_ref: "", auth_type: 9, biz_appid: "not an appid!", return_url: "https://evil.example.net/x" });
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual([
      "auth_type",
      "biz_appid",
      "merchant_ref",
      "return_url",
    ]);
    const typo = await createLink({ merchantRef: "shop-1", auth_type: 1 });
    expect(JSON.stringify(typo.body.issues)).toMatch(/merchant_ref/);
    expect(JSON.stringify(typo.body.issues)).toMatch(/merchantRef/);
    const query = await listAuthorizers("limit=0&status=sleeping");
    expect((query.body.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual(["limit", "status"]);
    expect((await listAuthorizers("cursor=bm9uc2Vuc2U")).body).toMatchObject({ issues: [{ path: "cursor" }] });
    expect((await getAuthorizer("not an appid!")).body).toMatchObject({ issues: [{ path: "appid" }] });
    expect((await getAuthorizer("wx0000000000000009")).body).toMatchObject({ error: "unknown_authorizer" });
  });

  it("pages the authorizers newest first by keyset, ties broken by appid, filtered by merchant_ref and status", async () => {
    const component = getEnv().component.appid;
    const at = new Date("2030-01-01T00:00:00.000Z");
    const seeded = Array.from({ length: 7 }, (_, i) => ({
      appid: `wxpage${String(i).padStart(12, "0")}`,
      // Three share one time: the cursor must not skip or repeat among them.
      authorizedAt: new Date(at.getTime() - (i < 3 ? 0 : i) * 60_000),
      merchantRef: i % 2 === 0 ? "shop-even" : "shop-odd",
      status: i === 5 ? ("revoked" as const) : ("authorized" as const),
    }));
    await t.database.prisma.authorizer.createMany({ data: seeded.map((row) => ({ ...row, componentAppid: component })) });
    const expected = [...seeded]
      .sort((a, b) => b.authorizedAt.getTime() - a.authorizedAt.getTime() || (a.appid < b.appid ? 1 : -1))
      .map((row) => row.appid);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listAuthorizers(`limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...(page.body.data as Json[]).map((item) => String(item.appid)));
      cursor = page.body.next_cursor as string | null;
      pages++;
    } while (cursor && pages < 20);
    // The seeded rows are the newest (2030); the sandbox-made account of the first test comes after them.
    expect(seen.slice(0, 7)).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);

    const even = await listAuthorizers("merchant_ref=shop-even&limit=100");
    expect((even.body.data as Json[]).map((item) => item.appid)).toEqual(expected.filter((appid) => Number(appid.slice(-1)) % 2 === 0));
    const revoked = await listAuthorizers("status=revoked");
    expect((revoked.body.data as Json[]).map((item) => item.appid)).toEqual([seeded[5]!.appid]);

    const listed = await seedApiKey("two shops", {
      component: false,
      authorizers: [seeded[1]!.appid, seeded[4]!.appid],
      readOnly: true,
      hub: true,
    });
    const mine = await listAuthorizers("limit=100", listed);
    expect((mine.body.data as Json[]).map((item) => item.appid)).toEqual([seeded[1]!.appid, seeded[4]!.appid]);
    expect((await getAuthorizer(seeded[4]!.appid, listed)).status).toBe(200);
    expect((await getAuthorizer(seeded[0]!.appid, listed)).body).toMatchObject({ error: "forbidden" });
  });

  it("needs the hub scope for everything and a writable key to make a link", async () => {
    const tokensOnly = await seedApiKey("tokens", { component: true, authorizers: "all", readOnly: false, hub: false });
    const reader = await seedApiKey("reader", { component: false, authorizers: "all", readOnly: true, hub: true });
    for (const refused of [
      await createLink({ merchant_ref: "m", auth_type: 1 }, tokensOnly),
      await getLink("whatever", tokensOnly),
      await listAuthorizers("", tokensOnly),
      await getAuthorizer("wx0000000000000001", tokensOnly),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/needs the scope hub/);
    }
    const readOnly = await createLink({ merchant_ref: "m", auth_type: 1 }, reader);
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.message).toMatch(/read-only/);
    expect((await listAuthorizers("", reader)).status).toBe(200);
    const noKey = await read(await listAuthorizersRoute(new Request(`${BASE}/authorizers`)));
    expect(noKey.status).toBe(401);
  });
});
