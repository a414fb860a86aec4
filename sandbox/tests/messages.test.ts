// Authorizer traffic to the message URL (POST /sandbox/api/messages) against a tiny node:http message URL
// that opens what arrives with lib/wechat/crypto.ts: every type's fields, the envelope and signatures,
// WeChat's retries of the same request after a timeout, a 500 or a refused connection, and passive
// replies decrypted back into what "the user" received.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { computePlainSignature, MessageCrypto } from "../../lib/wechat/crypto";
import { buildEncryptedReply } from "../../lib/wechat/authorizer-message";
import { buildXml, parseXml } from "../../lib/wechat/xml";
import { openidFor } from "../messages/build";
import type { SandboxHandle } from "../server";
import type { SentMessage } from "../state/types";
import { COMPONENT, control, firstAccount, NOWHERE, startReceiver, startTestSandbox, type Receiver, type ReceivedRequest } from "./helpers";

const crypto = new MessageCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, appid: COMPONENT.appid });
const TIMEOUT_MS = 300;

type Respond = (request: ReceivedRequest, index: number, response: ServerResponse) => void | Promise<void>;
type SendAnswer = { sent: number; summary: Record<string, number>; results: SentMessage[] };

let sandbox: SandboxHandle | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await sandbox?.close();
  await receiver?.close();
  sandbox = undefined;
  receiver = undefined;
});

/** A message URL answering with `respond`, a sandbox pointed at it, and one authorized account of each kind. */
async function setUp(respond?: Respond, options: { messageUrl?: string } = {}) {
  receiver = await startReceiver(respond);
  sandbox = await startTestSandbox({
    messageUrl: options.messageUrl ?? `${receiver.url}/messages/$APPID$`,
    messageTimeoutMs: TIMEOUT_MS,
    messageRetryDelayMs: 5,
  });
  const official = firstAccount(sandbox, "official_account");
  const mini = firstAccount(sandbox, "mini_program");
  for (const account of [official, mini]) await control(sandbox, "authorize", { appid: account.appid, push: false });
  return { running: sandbox, official, mini, messageUrl: receiver };
}

async function send(running: SandboxHandle, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${running.url}/sandbox/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function sendOk(running: SandboxHandle, body: Record<string, unknown>): Promise<SendAnswer> {
  const { status, json } = await send(running, body);
  expect(status, JSON.stringify(json)).toBe(200);
  return json as unknown as SendAnswer;
}

/** What the portal would do first: check both signatures and the envelope, then decrypt. */
function open(request: ReceivedRequest): { fields: Record<string, unknown>; plaintext: string } {
  const envelope = request.body.match(
    /^<xml>\s*<ToUserName><!\[CDATA\[(gh_[0-9a-f]{12})\]\]><\/ToUserName>\s*<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]><\/Encrypt>\s*<\/xml>$/,
  );
  expect(envelope, `envelope: ${request.body}`).not.toBeNull();
  const [, toUserName = "", encrypt = ""] = envelope ?? [];
  const { timestamp = "", nonce = "", msg_signature: msgSignature = "", signature, encrypt_type: encryptType } = request.query;
  expect(encryptType).toBe("aes");
  expect(signature).toBe(computePlainSignature({ token: COMPONENT.token, timestamp, nonce }));
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
  const plaintext = crypto.decryptVerified({ msgSignature, timestamp, nonce, encrypt });
  const fields = parseXml(plaintext);
  expect(fields.ToUserName).toBe(toUserName);
  expect(request.query.openid).toBe(fields.FromUserName);
  return { fields, plaintext };
}

function encryptedReply(plain: string): string {
  return buildEncryptedReply({ crypto, plaintext: plain, timestamp: String(Math.floor(Date.now() / 1000)), nonce: "1320562132" });
}

function textReplyTo(request: ReceivedRequest, content: string): string {
  const { fields } = open(request);
  return encryptedReply(
    buildXml({
      ToUserName: String(fields.FromUserName),
      FromUserName: String(fields.ToUserName),
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: "text",
      Content: content,
    }),
  );
}

const COMMON = ["ToUserName", "FromUserName", "CreateTime", "MsgType"];

describe("message builders", () => {
  const cases: {
    type: string;
    kind: "official_account" | "mini_program";
    input: Record<string, unknown>;
    expected: Record<string, unknown>;
  }[] = [
    {
      type: "text",
      kind: "official_account",
      input: { content: "你好 ]]> 世界" },
      expected: { MsgType: "text", Content: "你好 ]]> 世界" },
    },
    { type: "text", kind: "mini_program", input: {}, expected: { MsgType: "text", Content: "你好" } },
    {
      type: "image",
      kind: "official_account",
      input: { pic_url: "http://mmbiz.qpic.cn/a/0", media_id: "m1" },
      expected: { MsgType: "image", PicUrl: "http://mmbiz.qpic.cn/a/0", MediaId: "m1" },
    },
    {
      type: "voice",
      kind: "official_account",
      input: { media_id: "v1", recognition: "腾讯科技" },
      expected: { MsgType: "voice", MediaId: "v1", Format: "amr", Recognition: "腾讯科技" },
    },
    {
      type: "location",
      kind: "official_account",
      input: { location_x: "23.5", label: "某地" },
      expected: { MsgType: "location", Location_X: "23.5", Location_Y: "113.358803", Scale: "20", Label: "某地" },
    },
    { type: "subscribe", kind: "official_account", input: {}, expected: { MsgType: "event", Event: "subscribe" } },
    {
      type: "subscribe",
      kind: "official_account",
      input: { scene: "42", ticket: "TICKET" },
      expected: { MsgType: "event", Event: "subscribe", EventKey: "qrscene_42", Ticket: "TICKET" },
    },
    { type: "unsubscribe", kind: "official_account", input: {}, expected: { MsgType: "event", Event: "unsubscribe" } },
    { type: "CLICK", kind: "official_account", input: { event_key: "K1" }, expected: { MsgType: "event", Event: "CLICK", EventKey: "K1" } },
    {
      type: "VIEW",
      kind: "official_account",
      input: {},
      expected: { MsgType: "event", Event: "VIEW", EventKey: "https://www.example.com/" },
    },
    {
      type: "SCAN",
      kind: "official_account",
      input: { scene: "7", ticket: "T" },
      expected: { MsgType: "event", Event: "SCAN", EventKey: "7", Ticket: "T" },
    },
    {
      type: "LOCATION",
      kind: "official_account",
      input: {},
      expected: { MsgType: "event", Event: "LOCATION", Latitude: "23.137466", Longitude: "113.352425", Precision: "119.38504" },
    },
    {
      type: "weapp_audit_success",
      kind: "mini_program",
      input: { succ_time: 1488856741 },
      expected: { MsgType: "event", Event: "weapp_audit_success", SuccTime: "1488856741" },
    },
    {
      type: "weapp_audit_fail",
      kind: "mini_program",
      input: { reason: "不符合规范", fail_time: 1488856742, screen_shot: "a|b" },
      expected: { MsgType: "event", Event: "weapp_audit_fail", Reason: "不符合规范", FailTime: "1488856742", ScreenShot: "a|b" },
    },
    {
      type: "weapp_audit_delay",
      kind: "mini_program",
      input: { reason: "审核延后", delay_time: 1488856743 },
      expected: { MsgType: "event", Event: "weapp_audit_delay", Reason: "审核延后", DelayTime: "1488856743" },
    },
    {
      type: "wxa_nickname_audit",
      kind: "mini_program",
      input: { ret: 2, nickname: "新名字", reason: "驳回" },
      expected: { MsgType: "event", Event: "wxa_nickname_audit", ret: "2", nickname: "新名字", reason: "驳回" },
    },
  ];

  it("sends every type with WeChat's fields, sealed and signed, to <messageUrl>/<appid>", async () => {
    const { running, official, mini, messageUrl } = await setUp();
    for (const [index, entry] of cases.entries()) {
      const account = entry.kind === "official_account" ? official : mini;
      const answer = await sendOk(running, { appid: account.appid, type: entry.type, ...entry.input });
      expect(answer.results[0]).toMatchObject({ status: "no_reply", tries: 1, reply: null, error: null });
      const [request] = await messageUrl.waitFor(index + 1).then((all) => all.slice(index));
      if (!request) throw new Error("no request");
      expect(request.url.pathname).toBe(`/messages/${account.appid}`);
      const { fields, plaintext } = open(request);
      const isEvent = entry.expected.MsgType === "event";
      expect(Object.keys(fields), entry.type).toEqual([...COMMON, ...Object.keys(entry.expected).slice(1), ...(isEvent ? [] : ["MsgId"])]);
      expect(fields, entry.type).toMatchObject({
        ...entry.expected,
        ToUserName: account.userName,
        FromUserName: answer.results[0]?.openid,
      });
      expect(fields.CreateTime).toBe(String(answer.results[0]?.create_time));
      if (isEvent) {
        expect(answer.results[0]?.msg_id).toBeNull();
      } else {
        // MsgId is written bare, like CreateTime, and is past 2^53: a receiver must keep it a string.
        expect(plaintext).toContain(`<MsgId>${String(fields.MsgId)}</MsgId>`);
        expect(fields.MsgId).toBe(answer.results[0]?.msg_id);
        expect(BigInt(String(fields.MsgId)) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      }
    }
  });

  it("fills realistic defaults: media ids, QR tickets, audit times", async () => {
    const { running, official, mini, messageUrl } = await setUp();
    await sendOk(running, { appid: official.appid, type: "image" });
    await sendOk(running, { appid: official.appid, type: "SCAN" });
    await sendOk(running, { appid: mini.appid, type: "wxa_nickname_audit" });
    const [image, scan, nickname] = (await messageUrl.waitFor(3)).map((request) => open(request).fields);
    expect(image).toMatchObject({
      PicUrl: expect.stringMatching(/^http:\/\/mmbiz\.qpic\.cn\//),
      MediaId: expect.stringMatching(/^[\w-]{40,}$/),
    });
    expect(scan).toMatchObject({ EventKey: "123123", Ticket: expect.stringMatching(/^gQ/) });
    expect(nickname).toMatchObject({ ret: "3", nickname: mini.nickName, reason: "" });
  });

  it("takes CreateTime from the sandbox clock, a stable openid per (account, user) and a fresh MsgId per message", async () => {
    const { running, official, mini, messageUrl } = await setUp();
    const before = Math.floor(Date.now() / 1000);
    await control(running, "clock/advance", { seconds: 3600 });
    const first = await sendOk(running, { appid: official.appid, type: "text", from_user: "alice" });
    const again = await sendOk(running, { appid: official.appid, type: "text", from_user: "alice" });
    const bob = await sendOk(running, { appid: official.appid, type: "text", from_user: "bob" });
    const elsewhere = await sendOk(running, { appid: mini.appid, type: "text", from_user: "alice" });
    await messageUrl.waitFor(4);
    const [a1, a2, b, m] = [first, again, bob, elsewhere].map((answer) => answer.results[0] as SentMessage) as [
      SentMessage,
      SentMessage,
      SentMessage,
      SentMessage,
    ];
    expect(a1.create_time).toBeGreaterThanOrEqual(before + 3600);
    expect(a1.openid).toMatch(/^o[\w-]{27}$/);
    expect(a2.openid).toBe(a1.openid);
    expect(a1.openid).toBe(openidFor(running.context, { appid: official.appid, user: "alice" }));
    expect(new Set([a1.openid, b.openid, m.openid]).size).toBe(3);
    expect(new Set([a1.msg_id, a2.msg_id, b.msg_id, m.msg_id]).size).toBe(4);
  });
});

describe("control API refusals", () => {
  it("answers 404 for an unknown account, 400 for a bad type or field, 409 when not authorized", async () => {
    const { running, official, mini } = await setUp();
    expect(await send(running, { appid: "wx0000000000000000", type: "text" })).toMatchObject({
      status: 404,
      json: { error: "unknown account wx0000000000000000" },
    });
    const badType = await send(running, { appid: official.appid, type: "shake" });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.json)).toContain("type must be one of text, image");
    const miniOnly = await send(running, { appid: official.appid, type: "weapp_audit_success" });
    expect(miniOnly.status).toBe(400);
    expect(JSON.stringify(miniOnly.json)).toContain("weapp_audit_success is sent to mini_program accounts only");
    expect((await send(running, { appid: mini.appid, type: "subscribe" })).status).toBe(400);
    const unknownField = await send(running, { appid: official.appid, type: "text", pic_url: "x" });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.json)).toContain("pic_url");
    expect((await send(running, { appid: official.appid, type: "text", count: 1001 })).status).toBe(400);
    expect((await send(running, { appid: mini.appid, type: "wxa_nickname_audit", ret: 5 })).status).toBe(400);
    const other = running.state.listAccounts().find((account) => account.kind === "official_account" && account.appid !== official.appid);
    const unauthorized = await send(running, { appid: other?.appid, type: "text" });
    expect(unauthorized.status).toBe(409);
    expect(String(unauthorized.json.error)).toContain("has not authorized");
    expect(receiver?.requests).toHaveLength(0);
  });
});

describe("WeChat's delivery rules", () => {
  it("retries the same request after a timeout and a 500, then reads the reply", async () => {
    const { running, official, messageUrl } = await setUp((request, index, response) => {
      if (index === 0) return; // never answers: the sandbox gives up after TIMEOUT_MS
      if (index === 1) return void response.writeHead(500).end("oops");
      response.end(textReplyTo(request, "收到"));
    });
    const answer = await sendOk(running, { appid: official.appid, type: "text", content: "在吗" });
    const result = answer.results[0] as SentMessage;
    expect(result).toMatchObject({ status: "replied", tries: 3, error: null });
    expect(result.reply).toMatchObject({
      msg_type: "text",
      content: "收到",
      to_user_name: result.openid,
      from_user_name: official.userName,
    });
    expect(messageUrl.requests).toHaveLength(3);
    const [first, ...retries] = messageUrl.requests;
    for (const retry of retries) {
      expect(retry.body).toBe(first?.body);
      expect(retry.query).toEqual(first?.query);
    }
    expect(open(retries[1] as ReceivedRequest).fields.MsgId).toBe(result.msg_id);
    const delivery = running.state.deliveries.find((entry) => entry.id === result.delivery_id);
    expect(delivery?.attempts.map((attempt) => attempt.error ?? attempt.status)).toEqual([`no answer within ${TIMEOUT_MS} ms`, 500, 200]);
  });

  it("gives up after 3 retries (4 tries) of a message URL that keeps failing", async () => {
    const { running, official, messageUrl } = await setUp((_request, _index, response) => void response.writeHead(503).end());
    const answer = await sendOk(running, { appid: official.appid, type: "LOCATION" });
    expect(answer.results[0]).toMatchObject({ status: "failed", tries: 4, reply: null, error: "HTTP 503" });
    expect(answer.summary).toMatchObject({ failed: 1, retried: 1 });
    expect(messageUrl.requests).toHaveLength(4);
    expect(new Set(messageUrl.requests.map((request) => request.body)).size).toBe(1);
  });

  it("retries a refused connection too", async () => {
    const { running, official } = await setUp(undefined, { messageUrl: NOWHERE.replace("/events", "/m/$APPID$") });
    const answer = await sendOk(running, { appid: official.appid, type: "text" });
    expect(answer.results[0]).toMatchObject({ status: "failed", tries: 4 });
    expect(answer.results[0]?.error).toBeTruthy();
  });

  it('treats "" and "success" as no reply, once', async () => {
    const { running, official, messageUrl } = await setUp((_request, index, response) => void response.end(index === 0 ? "" : "success"));
    const first = await sendOk(running, { appid: official.appid, type: "text" });
    const second = await sendOk(running, { appid: official.appid, type: "CLICK" });
    expect([first.results[0], second.results[0]].map((result) => [result?.status, result?.tries])).toEqual([
      ["no_reply", 1],
      ["no_reply", 1],
    ]);
    expect(messageUrl.requests).toHaveLength(2);
  });

  it("decrypts a non-text reply into snake_case fields", async () => {
    const { running, official } = await setUp((request, _index, response) => {
      const { fields } = open(request);
      const plain = `<xml><ToUserName><![CDATA[${String(fields.FromUserName)}]]></ToUserName><FromUserName><![CDATA[${String(fields.ToUserName)}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[MEDIA]]></MediaId></Image></xml>`;
      response.end(encryptedReply(plain));
    });
    const answer = await sendOk(running, { appid: official.appid, type: "image" });
    expect(answer.results[0]).toMatchObject({ status: "replied", reply: { msg_type: "image", image: { media_id: "MEDIA" } } });
  });

  it("flags a plaintext reply, a bad signature and a reply to the wrong user, without retrying", async () => {
    const answers = [
      () => "<xml><MsgType><![CDATA[text]]></MsgType></xml>",
      (request: ReceivedRequest) => textReplyTo(request, "x").replace(/<MsgSignature><!\[CDATA\[[0-9a-f]+/, "<MsgSignature><![CDATA[0000"),
      (request: ReceivedRequest) => {
        const { fields } = open(request);
        return encryptedReply(
          buildXml({ ToUserName: "someone-else", FromUserName: String(fields.ToUserName), CreateTime: 1, MsgType: "text", Content: "x" }),
        );
      },
    ];
    const { running, official, messageUrl } = await setUp((request, index, response) => void response.end(answers[index]?.(request)));
    const results: SentMessage[] = [];
    for (let index = 0; index < answers.length; index += 1) {
      results.push((await sendOk(running, { appid: official.appid, type: "text" })).results[0] as SentMessage);
    }
    expect(results.map((result) => [result.status, result.tries])).toEqual([
      ["bad_reply", 1],
      ["bad_reply", 1],
      ["bad_reply", 1],
    ]);
    expect(results.map((result) => result.error)).toEqual([
      expect.stringContaining("<Encrypt/>"),
      expect.stringContaining("msg_signature does not match"),
      expect.stringContaining("reply ToUserName is someone-else"),
    ]);
    expect(messageUrl.requests).toHaveLength(3);
  });

  it("keeps the recent sends of each account with their replies, newest first", async () => {
    const { running, official, mini } = await setUp((request, _index, response) => void response.end(textReplyTo(request, "ok")));
    await sendOk(running, { appid: official.appid, type: "text", content: "one" });
    await sendOk(running, { appid: official.appid, type: "VIEW" });
    await sendOk(running, { appid: mini.appid, type: "text" });
    const listed = (await (await fetch(`${running.url}/sandbox/api/messages?appid=${official.appid}`)).json()) as {
      messages: SentMessage[];
    };
    expect(listed.messages.map((message) => [message.type, message.status, message.reply?.content])).toEqual([
      ["VIEW", "replied", "ok"],
      ["text", "replied", "ok"],
    ]);
    expect((await fetch(`${running.url}/sandbox/api/messages?appid=wx0000000000000000`)).status).toBe(404);
  });
});

describe("control page", () => {
  it("sends from its form and lists what the user received", async () => {
    const { running, official } = await setUp((request, _index, response) => void response.end(textReplyTo(request, "欢迎关注")));
    const form = new URLSearchParams({ appid: official.appid, type: "subscribe", content: "ignored for events", count: "" });
    const posted = await fetch(`${running.url}/sandbox/api/messages`, { method: "POST", body: form, redirect: "manual" });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/sandbox#messages");
    const page = await (await fetch(`${running.url}/sandbox`)).text();
    expect(page).toContain(`<option value="${official.appid}">`);
    expect(page).toMatch(/<td>subscribe<\/td>[\s\S]*?replied[\s\S]*?text: 欢迎关注/);
  });
});

describe("bursts", () => {
  it("sends count messages with bounded concurrency, from distinct users, and answers a summary", async () => {
    const concurrency = 5;
    const held: ServerResponse[] = [];
    let maxHeld = 0;
    // Answers nothing until `concurrency` requests are open at once, then all of them: the burst only
    // finishes if the sandbox keeps that many in flight, and the count shows it never opened more.
    const { running, official, messageUrl } = await setUp((_request, _index, response) => {
      held.push(response);
      maxHeld = Math.max(maxHeld, held.length);
      if (held.length === concurrency) for (const open of held.splice(0)) open.end("success");
    });
    const answer = await sendOk(running, { appid: official.appid, type: "subscribe", count: 50, concurrency });
    expect(answer.sent).toBe(50);
    expect(answer.summary).toMatchObject({ no_reply: 50, replied: 0, failed: 0, retried: 0 });
    expect(answer.results).toHaveLength(20);
    expect(maxHeld).toBe(concurrency);
    const opened = messageUrl.requests.map((request) => open(request).fields);
    expect(new Set(opened.map((fields) => fields.FromUserName)).size).toBe(50);
  });
});
