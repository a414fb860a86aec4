// The per-authorizer message URL (消息与事件接收URL): what it refuses (and that it then does nothing),
// the three 全网发布 cases, and finally the sandbox's own release check run against the portal's
// routes served over HTTP, the event URL included.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST as postEvent } from "@/app/api/wechat/component/events/route";
import { GET as getMessage, POST as postMessage } from "@/app/api/wechat/messages/[appid]/route";
import { installDatabase } from "@/lib/db";
import { logger } from "@/lib/logger";
import { MAX_MESSAGE_BYTES } from "@/lib/messages/receive";
import { MessageCrypto } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { buildXml } from "@/lib/wechat/xml";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { demoCrypto, openReply } from "../../helpers/message-url";
import { flushAfter, serveRoute, type ServedRoute } from "../../helpers/routes";
import { sandboxCalls, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";

const TEST_APPID = "wx570bc396a51b8ff8";
const TEST_USERNAME = "gh_3c884a361561";
const MERCHANT_APPID = "wx1234567890abcdef";
const FAN = "ozy4qt5QUADNXORxCVipKMV9dss0";

const crypto = demoCrypto;

type Sealed = { query: URLSearchParams; body: string };

/** A message as WeChat sends it to the component's message URL. */
function sealMessage(
  fields: Record<string, string | number>,
  {
    with: c = crypto,
    plaintext,
    timestamp = String(Math.floor(Date.now() / 1000)),
  }: { with?: MessageCrypto; plaintext?: string; timestamp?: string } = {},
): Sealed {
  const nonce = String(Math.floor(Math.random() * 1e9));
  const sealed = c.seal({ plaintext: plaintext ?? buildXml(fields), timestamp, nonce });
  const query = new URLSearchParams({
    signature: "unused",
    timestamp,
    nonce,
    openid: FAN,
    encrypt_type: "aes",
    msg_signature: sealed.msgSignature,
  });
  const toUser = typeof fields.ToUserName === "string" ? fields.ToUserName : TEST_USERNAME;
  return { query, body: `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>` };
}

const textMessage = (content: string, toUser = TEST_USERNAME) => ({
  ToUserName: toUser,
  FromUserName: FAN,
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: "text",
  Content: content,
  MsgId: "6204315588212345678",
});

/** Calls the route handler as Next.js would. */
async function deliver({ appid, query, body, init }: { appid: string; query: URLSearchParams; body: BodyInit; init?: RequestInit }) {
  const request = new Request(`http://portal.test/api/wechat/messages/${appid}?${query}`, {
    method: "POST",
    body,
    headers: { "content-type": "text/xml" },
    ...init,
  });
  const response = await postMessage(request, { params: Promise.resolve({ appid }) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe(`message URL (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;

  const callCount = async () => (await sandboxCalls(sandbox)).length;

  /** Refuses `sealed` with `status`, logs why, and neither queues work nor calls WeChat. */
  async function expectRefused({
    appid = TEST_APPID,
    sealed,
    status,
    reason,
    init,
  }: {
    appid?: string;
    sealed: Sealed;
    status: number;
    reason: RegExp;
    init?: RequestInit;
  }) {
    const warn = vi.spyOn(logger, "warn");
    const calls = await callCount();
    const answer = await deliver({ appid, query: sealed.query, body: sealed.body, init });
    expect(answer.status).toBe(status);
    expect(answer.text).toMatch(reason);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ status, reason: expect.stringMatching(reason) }),
      "authorizer message refused",
    );
    expect(afterQueue).toHaveLength(0);
    expect(await callCount()).toBe(calls);
    warn.mockRestore();
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    portal = await serveRoute({
      queue: afterQueue,
      handler: async (request) => {
        const { pathname } = new URL(request.url);
        if (pathname === "/api/wechat/component/events") return postEvent(request);
        const appid = /^\/api\/wechat\/messages\/([^/]+)$/.exec(pathname)?.[1];
        if (!appid) return new Response("not found", { status: 404 });
        if (request.method === "GET") return getMessage();
        return postMessage(request, { params: Promise.resolve({ appid: decodeURIComponent(appid) }) });
      },
    });
    sandbox = await startTestSandbox({
      eventUrl: `${portal.url}/api/wechat/component/events`,
      messageUrl: `${portal.url}/api/wechat/messages/$APPID$`,
      releaseCheckWaitMs: 10_000,
    });
    // The ticket arrives the way WeChat delivers it; QUERY_AUTH_CODE needs a component token.
    const delivery = await sandbox.pushTicket();
    expect(delivery.state).toBe("delivered");
    await portal.idle();
  });
  beforeEach(async () => {
    installDatabase(t.database);
    await portal.idle();
    afterQueue.length = 0;
  });
  afterAll(async () => {
    await sandbox.close();
    await portal.close();
    await t.drop();
  });

  describe("refuses what did not come from WeChat, and does nothing else", () => {
    it("answers 405 to GET: component message URLs are never verified with echostr", async () => {
      const response = await fetch(`${portal.url}/api/wechat/messages/${TEST_APPID}?echostr=123&signature=x&timestamp=1&nonce=2`);
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
      expect(await response.text()).not.toBe("123");
    });

    it("refuses a correctly signed message whose timestamp is outside the freshness window (a replay) with 401", async () => {
      const now = Math.floor(Date.now() / 1000);
      const replayed = sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"), { timestamp: String(now - 10 * 60) });
      await expectRefused({ sealed: replayed, status: 401, reason: /signed timestamp is \d+ s old; only 300 s/ });
      const ahead = sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"), { timestamp: String(now + 10 * 60) });
      await expectRefused({ sealed: ahead, status: 401, reason: /in the future/ });
      // Inside the window (WeChat's clock a little off ours): answered as usual.
      const late = sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"), { timestamp: String(now - 4 * 60) });
      const answer = await deliver({ appid: TEST_APPID, query: late.query, body: late.body });
      expect(answer.status).toBe(200);
      expect(openReply(answer.text)).toMatchObject({ Content: "TESTCOMPONENT_MSG_TYPE_TEXT_callback" });
    });

    it("refuses a bad msg_signature with 401", async () => {
      const sealed = sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"));
      const forged = sealed.query.get("msg_signature")!.replace(/^./, (c) => (c === "a" ? "b" : "a"));
      sealed.query.set("msg_signature", forged);
      await expectRefused({ sealed, status: 401, reason: /msg_signature does not match/ });
      sealed.query.set("msg_signature", "short");
      await expectRefused({ sealed, status: 401, reason: /msg_signature/ });
    });

    it("refuses a message encrypted for another component (wrong appid) with 403", async () => {
      const other = new MessageCrypto({
        token: DEMO_COMPONENT.token,
        encodingAesKey: DEMO_COMPONENT.encodingAesKey,
        appid: "wx1111111111111111",
      });
      await expectRefused({
        sealed: sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"), { with: other }),
        status: 403,
        reason: /appid/,
      });
    });

    it("refuses broken XML, outside and inside the encryption, with 400", async () => {
      const good = sealMessage(textMessage("hello"));
      await expectRefused({ sealed: { query: good.query, body: "<xml><Encrypt>abc</Encrypt>" }, status: 400, reason: /malformed XML/ });
      await expectRefused({ sealed: { query: good.query, body: "not xml at all" }, status: 400, reason: /XML/ });
      await expectRefused({
        sealed: { query: good.query, body: "<xml><ToUserName>gh_1</ToUserName></xml>" },
        status: 400,
        reason: /Encrypt/,
      });
      await expectRefused({ sealed: sealMessage({}, { plaintext: "<xml><Content>unclosed</xml>" }), status: 400, reason: /malformed XML/ });
      await expectRefused({
        sealed: sealMessage({}, { plaintext: "<xml><MsgType>text</MsgType></xml>" }),
        status: 400,
        reason: /ToUserName/,
      });
    });

    it("refuses a missing signature, an unencrypted message, a forged envelope and a path that is not an appid with 400", async () => {
      const sealed = sealMessage(textMessage("hello"));
      const unsigned = new URLSearchParams(sealed.query);
      unsigned.delete("msg_signature");
      await expectRefused({ sealed: { query: unsigned, body: sealed.body }, status: 400, reason: /missing msg_signature/ });
      const plain = new URLSearchParams(sealed.query);
      plain.delete("encrypt_type");
      await expectRefused({ sealed: { query: plain, body: sealed.body }, status: 400, reason: /encrypt_type must be aes/ });
      const envelope = { query: sealed.query, body: sealed.body.replace(TEST_USERNAME, "gh_000000000000") };
      await expectRefused({ sealed: envelope, status: 400, reason: /ToUserName/ });
      await expectRefused({ appid: "wx..%2Fevil", sealed, status: 400, reason: /not end with an authorizer appid/ });
    });

    it("refuses a body over 64 KiB with 413, whether or not it declares its length", async () => {
      const sealed = sealMessage(textMessage("hello"));
      const big = `${sealed.body}${" ".repeat(MAX_MESSAGE_BYTES)}`;
      await expectRefused({ sealed: { query: sealed.query, body: big }, status: 413, reason: /larger than 65536 bytes/ });

      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new Uint8Array(1024).fill(32));
          controller.close();
        },
      });
      await expectRefused({
        sealed: { query: sealed.query, body: "" },
        status: 413,
        reason: /larger than/,
        init: { body: stream, duplex: "half" } as RequestInit,
      });
    });
  });

  describe("the three release checks (全网发布)", () => {
    it("answers TESTCOMPONENT_MSG_TYPE_TEXT with an encrypted TESTCOMPONENT_MSG_TYPE_TEXT_callback", async () => {
      const sealed = sealMessage(textMessage("TESTCOMPONENT_MSG_TYPE_TEXT"));
      const answer = await deliver({ appid: TEST_APPID, query: sealed.query, body: sealed.body });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/xml/);
      expect(openReply(answer.text)).toMatchObject({
        ToUserName: FAN,
        FromUserName: TEST_USERNAME,
        MsgType: "text",
        Content: "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
      });
      expect(afterQueue).toHaveLength(0);
    });

    it("answers an event with an encrypted <Event>from_callback", async () => {
      const sealed = sealMessage({
        ToUserName: TEST_USERNAME,
        FromUserName: FAN,
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: "event",
        Event: "LOCATION",
        Latitude: "23.137466",
      });
      const answer = await deliver({ appid: TEST_APPID, query: sealed.query, body: sealed.body });
      expect(answer.status).toBe(200);
      expect(openReply(answer.text)).toMatchObject({
        ToUserName: FAN,
        FromUserName: TEST_USERNAME,
        MsgType: "text",
        Content: "LOCATIONfrom_callback",
      });
    });

    it("answers QUERY_AUTH_CODE empty at once, then exchanges the code and sends <code>_from_api to the sender", async () => {
      const { auth_code: code } = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid: TEST_APPID, push: false });
      const before = sandbox.state.data.customMessages.length;
      const sealed = sealMessage(textMessage(`QUERY_AUTH_CODE:${code}`));
      const answer = await deliver({ appid: TEST_APPID, query: sealed.query, body: sealed.body });
      expect(answer).toMatchObject({ status: 200, text: "" });
      // Nothing has been called yet: the work waits until the answer has gone.
      expect(sandbox.state.data.customMessages).toHaveLength(before);
      expect(afterQueue).toHaveLength(1);

      await flushAfter(afterQueue);
      const sent = sandbox.state.data.customMessages.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        authorizerAppid: TEST_APPID,
        tokenOrigin: { kind: "query_auth", code },
        body: { touser: FAN, msgtype: "text", text: { content: `${code}_from_api` } },
      });
      expect(sandbox.state.data.authCodes.find((entry) => entry.value === code)?.usedAt).toBeDefined();
    });

    it("answers success to everything else, and to a merchant's account even for the test strings", async () => {
      for (const [appid, content] of [
        [TEST_APPID, "hello"],
        [MERCHANT_APPID, "TESTCOMPONENT_MSG_TYPE_TEXT"],
        [MERCHANT_APPID, "QUERY_AUTH_CODE:whatever"],
      ] as const) {
        const sealed = sealMessage(textMessage(content));
        const calls = await callCount();
        expect(await deliver({ appid, query: sealed.query, body: sealed.body })).toMatchObject({ status: 200, text: "success" });
        expect(afterQueue).toHaveLength(0);
        expect(await callCount()).toBe(calls);
      }
      const event = sealMessage({
        ToUserName: "gh_abcdef123456",
        FromUserName: FAN,
        CreateTime: 1_700_000_000,
        MsgType: "event",
        Event: "subscribe",
      });
      expect(await deliver({ appid: MERCHANT_APPID, query: event.query, body: event.body })).toMatchObject({
        status: 200,
        text: "success",
      });
    });
  });

  describe("the sandbox's own release check against the portal over HTTP", () => {
    type ReleaseCheck = { ok: boolean; cases: { name: string; ok: boolean; detail: string }[] };

    it.each([
      ["an official account", "wx570bc396a51b8ff8"],
      ["a mini program", "wxd101a85aa106f53e"],
    ])("passes every case for %s", async (_kind, appid) => {
      const result = await sandboxControl<ReleaseCheck>(sandbox, "release-check", { appid });
      await portal.idle();
      expect(result.cases.map((entry) => entry.name)).toEqual(["component_verify_ticket", "text", "query_auth_code", "event"]);
      for (const entry of result.cases) expect(entry, entry.detail).toMatchObject({ ok: true });
      expect(result.ok).toBe(true);
    });
  });
});
