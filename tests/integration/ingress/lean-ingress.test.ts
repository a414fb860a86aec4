// The lean ingress (lib/ingress/node.ts) over HTTP, in front of a stand-in for Next.js: it answers
// the hot paths with the same functions as the route handlers (the event URL, message URL and
// message-forwarding suites run through it too), adds what Next.js would add, leaves everything
// else to Next.js unread, and refuses an oversized body without reading it all or storing it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as getAuthorizerTokenRoute } from "@/app/api/v1/authorizers/[appid]/token/route";
import { GET as getComponentTokenRoute } from "@/app/api/v1/component/token/route";
import { db, installDatabase } from "@/lib/db";
import { drainIngress, serveIngress, toHeaders } from "@/lib/ingress/node";
import { discardPendingIssuance } from "@/lib/token-centre/issuance";
import { stopTokenCentreMemory } from "@/lib/token-centre/memory";
import { API_CONTENT_SECURITY_POLICY, STATIC_SECURITY_HEADERS } from "@/lib/security-headers";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { demoCrypto } from "../../helpers/message-url";
import { sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { pickAccounts, seedApiKey, seedAuthorizer, seedVerifyTicket } from "../token-centre/seed";
import { buildXml } from "@/lib/wechat/xml";

describe(`lean ingress in front of Next.js (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let server: Server;
  let url: string;
  let key: string;
  let appid: string;
  /** What reached the stand-in for Next.js's handler. */
  const leftToNext: { method?: string; url?: string; body: string }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox();
    installDatabase(t.database);
    await seedVerifyTicket(sandbox);
    appid = (await pickAccounts(sandbox, "official_account"))[0]!.appid;
    await seedAuthorizer(sandbox, { appid });
    key = await seedApiKey();
    server = createServer(async (request, response) => {
      if (serveIngress(request, response)) return;
      let body = "";
      for await (const chunk of request) body += String(chunk);
      leftToNext.push({ method: request.method, url: request.url, body });
      response.writeHead(299, { "x-answered-by": "next" }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await drainIngress();
    await stopTokenCentreMemory();
    discardPendingIssuance();
    await sandbox.close();
    await t.drop();
  });
  beforeEach(() => {
    leftToNext.length = 0;
    installDatabase(t.database);
  });

  const auth = () => ({ authorization: `Bearer ${key}` });

  it("answers the token centre's two reads as their route handlers do, with Next.js's headers added", async () => {
    for (const [path, route] of [
      [
        "/api/v1/component/token",
        () => getComponentTokenRoute(new Request(`http://portal.test/api/v1/component/token`, { headers: auth() })),
      ],
      [
        `/api/v1/authorizers/${appid}/token`,
        () =>
          getAuthorizerTokenRoute(new Request(`http://portal.test/api/v1/authorizers/${appid}/token`, { headers: auth() }), {
            params: Promise.resolve({ appid }),
          }),
      ],
    ] as const) {
      const viaRoute = await route();
      const viaIngress = await fetch(`${url}${path}`, { headers: auth() });
      expect(viaIngress.status).toBe(200);
      expect(await viaIngress.json()).toEqual(await viaRoute.json());
      expect(viaIngress.headers.get("content-type")).toBe(viaRoute.headers.get("content-type"));
      expect(viaIngress.headers.get("cache-control")).toBe("no-store");
      for (const { key: name, value } of STATIC_SECURITY_HEADERS) expect(viaIngress.headers.get(name)).toBe(value);
      expect(viaIngress.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
    }
    // Refused the same way too: no key, and an appid the path cannot hold.
    const anonymous = await fetch(`${url}/api/v1/component/token`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const badAppid = await fetch(`${url}/api/v1/authorizers/${encodeURIComponent("wx<script>")}/token`, { headers: auth() });
    expect(badAppid.status).toBe(400);
    expect(leftToNext).toEqual([]);
  });

  it("serves a cached token from memory: a burst of reads costs WeChat nothing", async () => {
    const before = (await sandboxCalls(sandbox)).length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${url}/api/v1/authorizers/${appid}/token`, { headers: auth() })),
    );
    const tokens = new Set(
      await Promise.all(answers.map(async (a) => ((await a.json()) as { authorizer_access_token: string }).authorizer_access_token)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(tokens.size).toBe(1);
    expect((await sandboxCalls(sandbox)).length).toBe(before);
  });

  it("answers the message URL: a message stored and acknowledged, a forged one refused, GET refused with Allow", async () => {
    const componentAppid = (await db().component.findFirstOrThrow()).appid;
    await db().authorizer.update({ where: { appid }, data: { userName: "gh_lean000001", componentAppid } });
    const seal = (msgId: string, forge = false) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = msgId;
      const fields = {
        ToUserName: "gh_lean000001",
        FromUserName: "o-fan",
        CreateTime: Number(timestamp),
        MsgType: "text",
        Content: "hi",
        MsgId: msgId,
      };
      const sealed = demoCrypto.seal({ plaintext: buildXml(fields), timestamp, nonce });
      const signature = forge ? sealed.msgSignature.replace(/^./, (c) => (c === "a" ? "b" : "a")) : sealed.msgSignature;
      return {
        query: new URLSearchParams({ timestamp, nonce, encrypt_type: "aes", msg_signature: signature, openid: "o-fan" }),
        body: `<xml><ToUserName><![CDATA[gh_lean000001]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
      };
    };
    const post = (sealed: { query: URLSearchParams; body: string }) =>
      fetch(`${url}/api/wechat/messages/${appid}?${sealed.query}`, {
        method: "POST",
        body: sealed.body,
        headers: { "content-type": "text/xml" },
      });

    const accepted = await post(seal("7204315588212349001"));
    expect([accepted.status, await accepted.text()]).toEqual([200, "success"]);
    const forged = await post(seal("7204315588212349002", true));
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/signature/i);
    const stored = await db().webhookEvent.findMany({ where: { authorizerAppid: appid } });
    expect(stored.map((event) => (event.payload as { data: { msg_id: string } }).data.msg_id)).toEqual(["7204315588212349001"]);

    const get = await fetch(`${url}/api/wechat/messages/${appid}`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(leftToNext).toEqual([]);
  });

  it("leaves every other path and method to Next.js, body unread", async () => {
    const others: [string, string, string?][] = [
      ["GET", "/console"],
      ["GET", "/api/wechat/component/events"],
      ["POST", "/api/v1/component/token", "{}"],
      ["POST", "/api/wechat/messages/wx1/extra", "<xml/>"],
      ["POST", "/api/wechat/messages/%E0%A4%A", "<xml/>"],
      ["GET", "/api/v1/component/token/"],
      ["HEAD", "/api/v1/component/token"],
    ];
    for (const [method, path, body] of others) {
      const answer = await fetch(`${url}${path}`, { method, body });
      expect([method, path, answer.status, answer.headers.get("x-answered-by")]).toEqual([method, path, 299, "next"]);
    }
    expect(leftToNext).toEqual(others.map(([method, path, body]) => ({ method, url: path, body: body ?? "" })));
  });

  it("refuses a body over the route's limit with 413, closes the connection without reading the rest, and stores nothing", async () => {
    const pushes = await db().receivedPush.count();
    const events = await db().webhookEvent.count();
    for (const path of [
      "/api/wechat/component/events?timestamp=1&nonce=1&msg_signature=x",
      `/api/wechat/messages/${appid}?encrypt_type=aes`,
    ]) {
      // 8 MiB announced and sent: the answer comes after the first ~64 KiB.
      const answer: Response | Error = await fetch(`${url}${path}`, { method: "POST", body: "x".repeat(8 * 1024 * 1024) }).catch(
        (error: Error) => error,
      );
      if (!(answer instanceof Error)) {
        expect(answer.status).toBe(413);
        expect(answer.headers.get("connection")).toBe("close");
        expect(await answer.text()).toMatch(/larger than 65536 bytes/);
      } else {
        // The socket closed while the client was still sending: also a refusal, with nothing stored.
        expect(String(answer.cause ?? answer)).toMatch(/EPIPE|ECONNRESET|other side closed|SocketError/);
      }
    }
    expect(await db().receivedPush.count()).toBe(pushes);
    expect(await db().webhookEvent.count()).toBe(events);
    expect(leftToNext).toEqual([]);
  });

  it("passes the client's address as proxy.ts and next start do: the socket's without a trusted proxy, else the chain", () => {
    const request = (forwarded?: string) =>
      ({
        url: "/api/v1/component/token?x=1",
        method: "GET",
        headers: { host: "portal.test", ...(forwarded ? { "x-forwarded-for": forwarded } : {}), "content-length": "0" },
        socket: { remoteAddress: "10.0.0.9" } as Socket,
      }) as unknown as IncomingMessage;
    const forwardedFor = (headers: Headers) => headers.get("x-forwarded-for");
    expect(forwardedFor(toHeaders(request("6.6.6.6"), { trustedHops: 0 }))).toBe("10.0.0.9");
    expect(forwardedFor(toHeaders(request(), { trustedHops: 0 }))).toBe("10.0.0.9");
    expect(forwardedFor(toHeaders(request("1.2.3.4, 10.0.0.1"), { trustedHops: 1 }))).toBe("1.2.3.4, 10.0.0.1");
    expect(forwardedFor(toHeaders(request(), { trustedHops: 1 }))).toBe("10.0.0.9");
    const built = toHeaders(request(), { trustedHops: 0 });
    expect(built.get("host")).toBe("portal.test");
    expect(built.has("content-length")).toBe(false);
  });
});
