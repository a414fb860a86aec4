import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST } from "@/app/api/wechat/component/events/route";
import { openDatabase, installDatabase } from "@/lib/db";
import { openColumn } from "@/lib/credentials/vault";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { MessageCrypto } from "@/lib/wechat/crypto";
import { buildXml } from "@/lib/wechat/xml";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { SERVED_BY, serveRoute } from "../../helpers/routes";
import { sandboxCalls, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { eventually } from "../../helpers/eventually";

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

/** A push exactly as WeChat sends it: the envelope in the body, signature params in the query. */
function sealPush(
  fields: Record<string, string | number>,
  {
    with: c = crypto,
    envelopeAppid = DEMO_COMPONENT.appid as string,
    timestamp = String(Math.floor(Date.now() / 1000)),
  }: { with?: MessageCrypto; envelopeAppid?: string; timestamp?: string } = {},
) {
  const nonce = String(Math.floor(Math.random() * 1e9));
  const sealed = c.seal({ plaintext: buildXml(fields), timestamp, nonce });
  const query = new URLSearchParams({ signature: "x", timestamp, nonce, encrypt_type: "aes", msg_signature: sealed.msgSignature });
  return { query, body: `<xml><AppId><![CDATA[${envelopeAppid}]]></AppId><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>` };
}

const ticketPush = (ticket: string, createTime: number) =>
  sealPush({ AppId: DEMO_COMPONENT.appid, CreateTime: createTime, InfoType: "component_verify_ticket", ComponentVerifyTicket: ticket });

describe.each(SERVED_BY)(`event URL, answered by the %s (${databaseKind} + sandbox over HTTP)`, (via) => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: Awaited<ReturnType<typeof serveRoute>>;
  /** Posts a push and waits for the work the route does after answering. */
  const post = async (push: { query: URLSearchParams; body: string }) => {
    const response = await fetch(`${portal.url}/api/wechat/component/events?${push.query}`, {
      method: "POST",
      body: push.body,
      headers: { "content-type": "text/xml" },
    });
    const text = await response.text();
    await portal.idle();
    return { status: response.status, text: async () => text };
  };
  const pushCount = () => t.database.prisma.receivedPush.count();

  beforeAll(async () => {
    t = await createTestDatabase();
    portal = await serveRoute({ handler: POST, queue: afterQueue, via });
    sandbox = await startTestSandbox({ eventUrl: `${portal.url}/api/wechat/component/events` });
  });
  afterAll(async () => {
    await sandbox.close();
    await portal.close();
    await t.drop();
  });
  beforeEach(async () => {
    await portal.idle();
    installDatabase(t.database);
    await t.database.prisma.receivedPush.deleteMany();
  });

  it("stores the sandbox's ticket push, answers success, and the ticket then buys a component token", async () => {
    const delivery = await sandbox.pushTicket();
    expect(JSON.stringify(delivery)).toContain("success");
    await portal.idle();
    const stored = await t.database.prisma.receivedPush.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.infoType).toBe("component_verify_ticket");
    expect(stored[0]!.processedAt).not.toBeNull();
    // Stored masked for display; the full payload only sealed.
    expect(JSON.stringify(stored[0]!.payload)).not.toMatch(/ticket@@@[A-Za-z0-9_-]{8,}/);
    const token = await getComponentAccessToken();
    expect(token.token.length).toBeGreaterThan(10);
    expect(await sandboxCalls(sandbox, "api_component_token")).toHaveLength(1);
  });

  it("stores and processes the same push once when it is delivered twice", async () => {
    // A ticket and an unauthorized are applied in the transaction that stores them, once: the other
    // copies are redeliveries (the unauthorized's copies roll back what they applied).
    const ticket = ticketPush("ticket@@@twice-" + Date.now(), Math.floor(Date.now() / 1000) + 5);
    const revoked = sealPush({
      AppId: DEMO_COMPONENT.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: "unauthorized",
      AuthorizerAppid: "wx1111111111111111",
    });
    for (const push of [ticket, revoked]) {
      const answers = await Promise.all([post(push), post(push), post(push)]);
      expect(await Promise.all(answers.map((a) => a.text()))).toEqual(["success", "success", "success"]);
    }
    const rows = await t.database.prisma.receivedPush.findMany({ orderBy: { infoType: "asc" } });
    expect(rows.map((r) => r.infoType)).toEqual(["component_verify_ticket", "unauthorized"]);
    expect(rows.every((r) => r.processedAt !== null)).toBe(true);
    expect(rows.map((r) => r.attempts)).toEqual([0, 0]); // never processed after the answer
  });

  it("keeps the newest ticket by CreateTime: an older one arriving late never replaces it", async () => {
    const now = Math.floor(Date.now() / 1000) + 100;
    expect(await (await post(ticketPush("ticket@@@newer", now))).text()).toBe("success");
    expect(await (await post(ticketPush("ticket@@@older", now - 600))).text()).toBe("success");
    const component = await t.database.prisma.component.findUniqueOrThrow({ where: { appid: DEMO_COMPONENT.appid } });
    expect(
      openColumn({
        ciphertext: component.verifyTicketEnc,
        keyId: component.verifyTicketKeyId,
        context: `component:${DEMO_COMPONENT.appid}:verify_ticket`,
      }),
    ).toBe("ticket@@@newer");
    expect(component.verifyTicketCreateTime?.getTime()).toBe(now * 1000);
    expect(await pushCount()).toBe(2); // both kept as history
  });

  it.each([
    [
      "a bad signature",
      401,
      () => {
        const p = ticketPush("t1", 1);
        p.query.set("msg_signature", "0".repeat(40));
        return p;
      },
    ],
    [
      "no signature",
      400,
      () => {
        const p = ticketPush("t2", 2);
        p.query.delete("msg_signature");
        return p;
      },
    ],
    [
      "another component's appid",
      403,
      () =>
        sealPush(
          { AppId: "wx0000000000000bad", CreateTime: 3, InfoType: "component_verify_ticket", ComponentVerifyTicket: "t" },
          { with: new MessageCrypto({ ...DEMO_COMPONENT, appid: "wx0000000000000bad" }), envelopeAppid: "wx0000000000000bad" },
        ),
    ],
    [
      "a payload sealed for another appid",
      403,
      () =>
        sealPush(
          { AppId: DEMO_COMPONENT.appid, CreateTime: 4, InfoType: "component_verify_ticket", ComponentVerifyTicket: "t" },
          { with: new MessageCrypto({ ...DEMO_COMPONENT, appid: "wx0000000000000bad" }) },
        ),
    ],
    ["broken XML", 400, () => ({ query: ticketPush("t5", 5).query, body: "<xml><AppId>wx</AppId><Encrypt>" })],
    [
      "a correctly signed push replayed 10 minutes later",
      401,
      () =>
        sealPush(
          { AppId: DEMO_COMPONENT.appid, CreateTime: 10, InfoType: "unauthorized", AuthorizerAppid: "wx1111111111111111" },
          { timestamp: String(Math.floor(Date.now() / 1000) - 600) },
        ),
    ],
    [
      "a correctly signed push stamped 10 minutes ahead",
      401,
      () =>
        sealPush(
          { AppId: DEMO_COMPONENT.appid, CreateTime: 11, InfoType: "component_verify_ticket", ComponentVerifyTicket: "t11" },
          { timestamp: String(Math.floor(Date.now() / 1000) + 600) },
        ),
    ],
    [
      "an undecryptable Encrypt",
      400,
      () => {
        const junk = Buffer.alloc(64, 1).toString("base64");
        const p = ticketPush("t6", 6);
        p.query.set("msg_signature", crypto.sign({ timestamp: p.query.get("timestamp")!, nonce: p.query.get("nonce")!, encrypt: junk }));
        return { query: p.query, body: `<xml><AppId>${DEMO_COMPONENT.appid}</AppId><Encrypt>${junk}</Encrypt></xml>` };
      },
    ],
    [
      "decrypted text that is not XML",
      400,
      () => {
        const timestamp = String(Math.floor(Date.now() / 1000)),
          nonce = "42";
        const sealed = crypto.seal({ plaintext: "hello, not xml", timestamp, nonce });
        return {
          query: new URLSearchParams({ timestamp, nonce, msg_signature: sealed.msgSignature }),
          body: `<xml><AppId>${DEMO_COMPONENT.appid}</AppId><Encrypt>${sealed.encrypt}</Encrypt></xml>`,
        };
      },
    ],
    [
      "a DOCTYPE (entity expansion)",
      400,
      () => ({
        query: ticketPush("t8", 8).query,
        body: `<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><AppId>&a;</AppId><Encrypt>x</Encrypt></xml>`,
      }),
    ],
    [
      "an oversized body",
      413,
      () => ({
        query: ticketPush("t9", 9).query,
        body: `<xml><AppId>${DEMO_COMPONENT.appid}</AppId><Encrypt>${"A".repeat(70 * 1024)}</Encrypt></xml>`,
      }),
    ],
  ])("refuses %s with %i and stores nothing", async (_name, status, make) => {
    const response = await post(make());
    expect(response.status).toBe(status);
    expect(await response.text()).not.toBe("success");
    expect(await pushCount()).toBe(0);
  });

  it("answers 5xx while the database is down, then stores WeChat's retry exactly once", async () => {
    const push = ticketPush("ticket@@@outage", Math.floor(Date.now() / 1000) + 1000);
    const down = openDatabase({ url: "postgresql://nobody@127.0.0.1:1/nothing" });
    installDatabase(down);
    const during = await post(push);
    expect(during.status).toBe(503);
    expect(await during.text()).not.toBe("success");
    await down.close();
    installDatabase(t.database);
    expect(await pushCount()).toBe(0);
    const retry = await post(push);
    expect(await retry.text()).toBe("success");
    expect(await post(push).then((r) => r.text())).toBe("success");
    expect(await pushCount()).toBe(1);
  });

  it("completes an authorization from the authorized push, applies updateauthorized, and revokes on unauthorized without query_auth", async () => {
    await sandbox.pushTicket();
    await portal.idle();
    const accounts = (await (await fetch(`${sandbox.url}/sandbox/api/accounts`)).json()) as { accounts: { appid: string; kind: string }[] };
    const account = accounts.accounts.find((a) => a.kind !== "channels" && !a.appid.startsWith("wx570bc")) ?? accounts.accounts[0]!;
    const granted = await sandboxControl<{ func_ids: number[] }>(sandbox, "authorize", { appid: account.appid, push: true });

    const authorizer = await eventually(() =>
      t.database.prisma.authorizer
        .findUnique({ where: { appid: account.appid }, include: { permissionSets: true, credential: true } })
        .then((a) => a ?? undefined),
    );
    expect(authorizer.status).toBe("authorized");
    expect(authorizer.nickName).toBeTruthy();
    expect(authorizer.permissionSets.map((s) => s.funcscopeId).sort((a, b) => a - b)).toEqual([...granted.func_ids].sort((a, b) => a - b));
    expect(authorizer.credential?.refreshTokenEnc).toMatch(/^v1\./);

    const fewer = granted.func_ids.slice(0, Math.max(1, granted.func_ids.length - 2));
    await sandboxControl(sandbox, "set-permission-sets", { appid: account.appid, ids: fewer });
    const updated = await eventually(async () => {
      const a = await t.database.prisma.authorizer.findUniqueOrThrow({
        where: { appid: account.appid },
        include: { permissionSets: true },
      });
      return a.status === "updated" ? a : undefined;
    });
    expect(updated.permissionSets.map((s) => s.funcscopeId).sort((a, b) => a - b)).toEqual([...fewer].sort((a, b) => a - b));
    const change = await t.database.prisma.auditLog.findFirstOrThrow({
      where: { action: "authorizer.authorization_updated", target: account.appid },
    });
    expect((change.details as { removed: number[] }).removed.length).toBe(granted.func_ids.length - fewer.length);

    const queryAuthCalls = (await sandboxCalls(sandbox, "api_query_auth")).length;
    await sandboxControl(sandbox, "revoke", { appid: account.appid });
    const revoked = await eventually(async () => {
      const a = await t.database.prisma.authorizer.findUniqueOrThrow({
        where: { appid: account.appid },
        include: { credential: true, permissionSets: true },
      });
      return a.status === "revoked" ? a : undefined;
    });
    expect(revoked.revokedAt).not.toBeNull();
    expect(revoked.credential?.disabledAt).not.toBeNull();
    expect(revoked.credential?.accessTokenEnc).toBeNull();
    expect(revoked.permissionSets.length).toBe(fewer.length); // history kept
    expect((await sandboxCalls(sandbox, "api_query_auth")).length).toBe(queryAuthCalls);
  });
});
