// Lifecycle pushes apply in the order they happened at WeChat (their CreateTime), not the order they
// reach the portal: a late unauthorized (WeChat's retry, the sweep) never revokes an account that
// authorized again since, and a late updateauthorized never rolls permission sets back. Such a push
// is stored, marked superseded, and shows in the account's timeline; a newer one still applies.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST } from "@/app/api/wechat/component/events/route";
import { completeAuthorization } from "@/lib/authorization/complete";
import { processPendingPushes, storePush } from "@/lib/authorization/pushes";
import { loadTimeline } from "@/lib/console/authorizer-detail";
import { MessageCrypto } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { parseComponentPush } from "@/lib/wechat/component-push";
import { buildXml } from "@/lib/wechat/xml";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import type { ServedRoute } from "../../helpers/routes";
import { sandboxCalls, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

const unixNow = () => Math.floor(Date.now() / 1000);

/** A push exactly as WeChat sends it, signed now, with the CreateTime the test chooses. */
function sealPush(fields: Record<string, string | number>) {
  const timestamp = String(unixNow());
  const nonce = String(Math.floor(Math.random() * 1e9));
  const sealed = crypto.seal({ plaintext: buildXml(fields), timestamp, nonce });
  const query = new URLSearchParams({ signature: "x", timestamp, nonce, encrypt_type: "aes", msg_signature: sealed.msgSignature });
  return { query, body: `<xml><AppId><![CDATA[${DEMO_COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>` };
}

const unauthorizedFields = (appid: string, createTime: number) => ({
  AppId: DEMO_COMPONENT.appid,
  CreateTime: createTime,
  InfoType: "unauthorized",
  AuthorizerAppid: appid,
});

const updateauthorizedFields = (appid: string, code: string, createTime: number) => ({
  AppId: DEMO_COMPONENT.appid,
  CreateTime: createTime,
  InfoType: "updateauthorized",
  AuthorizerAppid: appid,
  AuthorizationCode: code,
  AuthorizationCodeExpiredTime: createTime + 3600,
  PreAuthCode: "",
});

describe(`lifecycle pushes apply in WeChat's order (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  const pick = (kind: string, index: number) => accounts.filter((a) => a.kind === kind && !a.releaseTest)[index]!.appid;

  const post = async (push: { query: URLSearchParams; body: string }) => {
    const response = await fetch(`${portal.url}/api/wechat/component/events?${push.query}`, { method: "POST", body: push.body });
    const text = await response.text();
    await portal.idle();
    return text;
  };
  const authorizer = (appid: string) =>
    t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid }, include: { credential: true, permissionSets: true } });
  const setIds = async (appid: string) => (await authorizer(appid)).permissionSets.map((s) => s.funcscopeId).sort((a, b) => a - b);
  /** Waits until the sandbox's own push (delivered over HTTP) has been processed into `status`. */
  const statusBecomes = (appid: string, status: string) =>
    eventually(async () => {
      await portal.idle();
      const row = await t.database.prisma.authorizer.findUnique({ where: { appid } });
      return row?.status === status ? row : undefined;
    });
  /**
   * The sweep as the tick runs it once the waiting pushes are a minute old (aged here rather than by
   * olderThanMs: 0, which would compare the database's rounded received_at with this clock's now).
   */
  const sweepAMinuteLater = async () => {
    await t.database.prisma.receivedPush.updateMany({ where: { processedAt: null }, data: { receivedAt: new Date(Date.now() - 60_000) } });
    return processPendingPushes({ olderThanMs: 30_000 });
  };
  const pushRow = (authorizerAppid: string, infoType: string, createTime: number) =>
    t.database.prisma.receivedPush.findFirstOrThrow({ where: { authorizerAppid, infoType, createTime: new Date(createTime * 1000) } });

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: POST, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("ignores an unauthorized older than the re-authorization, from WeChat's retry or the sweep, and says so in the timeline", async () => {
    const appid = pick("official_account", 0);
    await sandboxControl(sandbox, "authorize", { appid, push: true });
    await statusBecomes(appid, "authorized");
    await sandboxControl(sandbox, "revoke", { appid });
    await statusBecomes(appid, "revoked");
    // The merchant authorizes again; the `authorized` push re-activates the account.
    await sandboxControl(sandbox, "authorize", { appid, push: true });
    const reauthorized = await statusBecomes(appid, "authorized");
    expect(reauthorized.lifecycleEventAt).not.toBeNull();

    // A retry of an unauthorized from a minute before the re-authorization arrives late.
    const late = unixNow() - 60;
    expect(await post(sealPush(unauthorizedFields(appid, late)))).toBe("success");
    const after = await authorizer(appid);
    expect(after.status).toBe("authorized");
    expect(after.revokedAt).toBeNull();
    expect(after.credential?.disabledAt).toBeNull();
    expect(after.credential?.accessTokenEnc).not.toBeNull();
    // Stored and done, marked superseded, not failed.
    const stored = await pushRow(appid, "unauthorized", late);
    expect(stored.processedAt).not.toBeNull();
    expect(stored.supersededAt).not.toBeNull();
    expect(stored.error).toBeNull();
    const timeline = await loadTimeline(appid);
    expect(timeline).toContainEqual(
      expect.objectContaining({
        kind: "audit",
        action: "authorizer.push_superseded",
        details: expect.objectContaining({ pushId: stored.id, infoType: "unauthorized" }),
      }),
    );
    expect(timeline).toContainEqual(expect.objectContaining({ kind: "push", id: stored.id, infoType: "unauthorized" }));

    // One stored earlier for later (applying it as it arrived failed), picked up by the sweep after the re-authorization.
    const swept = unixNow() - 30;
    const xml = buildXml(unauthorizedFields(appid, swept));
    await storePush({ push: parseComponentPush(xml), xml });
    expect(await sweepAMinuteLater()).toBe(1);
    expect((await authorizer(appid)).status).toBe("authorized");
    expect((await pushRow(appid, "unauthorized", swept)).supersededAt).not.toBeNull();
  });

  it("applies an unauthorized in the transaction that stores it; if applying fails, it is stored for the sweep, which applies it", async () => {
    const appid = pick("official_account", 3);
    const other = pick("official_account", 4);
    for (const account of [appid, other]) {
      await sandboxControl(sandbox, "authorize", { appid: account, push: true });
      await statusBecomes(account, "authorized");
    }
    const revokedEvents = (account: string) =>
      t.database.prisma.webhookEvent.count({ where: { type: "authorizer.revoked", authorizerAppid: account } });

    // In force by the time WeChat hears success: revoked, credentials disabled, announced, nothing left to do.
    const at = unixNow();
    const push = sealPush(unauthorizedFields(appid, at));
    // Not post(): nothing queued for after the answer runs before these checks.
    const answer = await fetch(`${portal.url}/api/wechat/component/events?${push.query}`, { method: "POST", body: push.body });
    expect(await answer.text()).toBe("success");
    const applied = await authorizer(appid);
    expect(applied.status).toBe("revoked");
    expect(applied.credential?.disabledAt).not.toBeNull();
    expect(await revokedEvents(appid)).toBe(1);
    expect(await pushRow(appid, "unauthorized", at)).toMatchObject({ attempts: 0, error: null, supersededAt: null });
    expect((await pushRow(appid, "unauthorized", at)).processedAt).not.toBeNull();

    // The database refuses this account's revocation (a trigger the test adds): the push is still stored and acknowledged.
    await t.database.withSession((session) =>
      session.exec(`
        CREATE FUNCTION test_refuse_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.status = 'revoked' AND NEW.appid = '${other}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER test_refuse_revocation BEFORE UPDATE ON authorizers FOR EACH ROW EXECUTE FUNCTION test_refuse_revocation();`),
    );
    try {
      const later = unixNow();
      expect(await post(sealPush(unauthorizedFields(other, later)))).toBe("success");
      const stored = await pushRow(other, "unauthorized", later);
      // Processed after the answer as well, which failed the same way and kept the error.
      expect(stored).toMatchObject({ processedAt: null, attempts: 1 });
      expect(stored.error).toContain("refused by the test");
      expect((await authorizer(other)).status).toBe("authorized");
      expect(await revokedEvents(other)).toBe(0);
    } finally {
      await t.database.withSession((session) =>
        session.exec("DROP TRIGGER test_refuse_revocation ON authorizers; DROP FUNCTION test_refuse_revocation();"),
      );
    }
    expect(await sweepAMinuteLater()).toBe(1);
    expect((await authorizer(other)).status).toBe("revoked");
    expect(await revokedEvents(other)).toBe(1);
  });

  it("ignores an unauthorized older than a re-authorization through the callback; a newer one still revokes", async () => {
    const appid = pick("official_account", 1);
    const granted = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid, push: false });
    await completeAuthorization({ authCode: granted.auth_code, source: "callback" });
    expect((await authorizer(appid)).status).toBe("authorized");

    const late = unixNow() - 60;
    expect(await post(sealPush(unauthorizedFields(appid, late)))).toBe("success");
    expect((await authorizer(appid)).status).toBe("authorized");
    expect((await pushRow(appid, "unauthorized", late)).supersededAt).not.toBeNull();

    // The merchant really revokes now: WeChat's push is newer than the callback, and applies.
    await sandboxControl(sandbox, "revoke", { appid });
    const revoked = await statusBecomes(appid, "revoked");
    expect(revoked.revokedAt).not.toBeNull();
    const applied = await t.database.prisma.receivedPush.findFirstOrThrow({
      where: { authorizerAppid: appid, infoType: "unauthorized", createTime: { gt: new Date(late * 1000) } },
    });
    expect(applied.supersededAt).toBeNull();
    expect((await authorizer(appid)).credential?.disabledAt).not.toBeNull();
  });

  it("does not roll permission sets back for an updateauthorized older than the latest update; a newer one applies", async () => {
    const appid = pick("official_account", 2);
    const initial = await sandboxControl<{ func_ids: number[] }>(sandbox, "authorize", { appid, push: true });
    await statusBecomes(appid, "authorized");
    expect(await setIds(appid)).toEqual([...initial.func_ids].sort((a, b) => a - b));

    // Two changes in WeChat's admin whose pushes are late: they arrive newest first.
    await sandboxControl(sandbox, "faults", { kind: "drop-push", endpoint: "updateauthorized", count: 2 });
    const older = initial.func_ids.slice(0, 2);
    const newer = initial.func_ids.slice(0, 3);
    const first = await sandboxControl<{ auth_code: string }>(sandbox, "set-permission-sets", { appid, ids: older });
    const second = await sandboxControl<{ auth_code: string }>(sandbox, "set-permission-sets", { appid, ids: newer });
    const now = unixNow();
    expect(await post(sealPush(updateauthorizedFields(appid, second.auth_code, now)))).toBe("success");
    expect(await setIds(appid)).toEqual([...newer].sort((a, b) => a - b));
    expect((await authorizer(appid)).status).toBe("updated");

    const exchanges = (await sandboxCalls(sandbox, "api_query_auth")).length;
    expect(await post(sealPush(updateauthorizedFields(appid, first.auth_code, now - 60)))).toBe("success");
    expect(await setIds(appid)).toEqual([...newer].sort((a, b) => a - b));
    expect((await pushRow(appid, "updateauthorized", now - 60)).supersededAt).not.toBeNull();
    // Known to be late before its code was exchanged: the code is not spent, the token not rotated.
    expect(await sandboxCalls(sandbox, "api_query_auth")).toHaveLength(exchanges);

    // A later change, pushed as usual, still applies.
    const latest = initial.func_ids.slice(0, 1);
    await sandboxControl(sandbox, "set-permission-sets", { appid, ids: latest });
    await eventually(async () => {
      await portal.idle();
      return (await setIds(appid)).join() === latest.join();
    });
    expect(await sandboxCalls(sandbox, "api_query_auth")).toHaveLength(exchanges + 1);
  });
});
