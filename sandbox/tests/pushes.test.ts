// Pushes to the event URL: encrypted exactly as WeChat does (checked with the independent wechat-crypto
// package), retried when not answered `success` within the timeout, dropped or duplicated on demand.
import { createDecipheriv } from "node:crypto";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { computePlainSignature } from "../../lib/wechat/crypto";
import { parseXml } from "../../lib/wechat/xml";
import { readFixture } from "../../tests/unit/wechat/fixtures";
import { buildWeChatXml } from "../push/envelope";
import type { SandboxHandle } from "../server";
import { COMPONENT, control, firstAccount, startReceiver, startTestSandbox, type Receiver, type ReceivedRequest } from "./helpers";

type WXBizMsgCrypt = {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  decrypt(text: string): { message: string; id: string };
};
const WXBizMsgCryptCtor = createRequire(import.meta.url)("wechat-crypto") as new (token: string, key: string, id: string) => WXBizMsgCrypt;
const independent = new WXBizMsgCryptCtor(COMPONENT.token, COMPONENT.encodingAesKey, COMPONENT.appid);

/** Verify and decrypt a push with node-webot's implementation only. */
function openWithWechatCrypto(request: ReceivedRequest): Record<string, unknown> {
  const envelope = request.body.match(
    /^<xml>\s*<AppId><!\[CDATA\[(wx[0-9a-f]{16})\]\]><\/AppId>\s*<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]><\/Encrypt>\s*<\/xml>$/,
  );
  expect(envelope, `envelope: ${request.body}`).not.toBeNull();
  const [, appid = "", encrypt = ""] = envelope ?? [];
  expect(appid).toBe(COMPONENT.appid);
  const { timestamp = "", nonce = "", msg_signature: msgSignature, signature, encrypt_type: encryptType } = request.query;
  expect(encryptType).toBe("aes");
  expect(msgSignature).toBe(independent.getSignature(timestamp, nonce, encrypt));
  expect(signature).toBe(computePlainSignature({ token: COMPONENT.token, timestamp, nonce }));
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
  const { message, id } = independent.decrypt(encrypt);
  expect(id).toBe(COMPONENT.appid);
  return parseXml(message);
}

/** The raw padding: WeChat pads to 32-byte blocks with PKCS#7, never 16. */
function paddingOf(encrypt: string): { padded: number; pad: number } {
  const key = Buffer.from(`${COMPONENT.encodingAesKey}=`, "base64");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, "base64")), decipher.final()]);
  return { padded: plain.length, pad: plain[plain.length - 1] ?? 0 };
}

let sandbox: SandboxHandle | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await sandbox?.close();
  await receiver?.close();
  sandbox = undefined;
  receiver = undefined;
});

describe("push format", () => {
  it("writes the plaintext byte for byte like WeChat's real ticket push", () => {
    const real = readFixture("events/component_verify_ticket.real.sdk-go.xml").trimEnd();
    const fields = parseXml(real);
    const rebuilt = buildWeChatXml({
      AppId: String(fields.AppId),
      CreateTime: Number(fields.CreateTime),
      InfoType: String(fields.InfoType),
      ComponentVerifyTicket: String(fields.ComponentVerifyTicket),
    });
    expect(rebuilt).toBe(real);
  });

  it("pushes the first ticket at start, readable by wechat-crypto, in WeChat's field order", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: `${receiver.url}/events`, pushTicketOnStart: true });
    const [request] = await receiver.waitFor(1);
    if (!request) throw new Error("no push");
    const payload = openWithWechatCrypto(request);
    expect(Object.keys(payload)).toEqual(["AppId", "CreateTime", "InfoType", "ComponentVerifyTicket"]);
    expect(payload).toMatchObject({
      AppId: COMPONENT.appid,
      InfoType: "component_verify_ticket",
      ComponentVerifyTicket: sandbox.state.data.tickets[0]?.value,
    });
    expect(payload.ComponentVerifyTicket).toMatch(/^ticket@@@/);
  });

  it("pads every push to 32-byte blocks", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    const account = firstAccount(sandbox, "official_account");
    await sandbox.pushTicket();
    await control(sandbox, "authorize", { appid: account.appid });
    await control(sandbox, "revoke", { appid: account.appid });
    const requests = await receiver.waitFor(3);
    for (const request of requests) {
      const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]>/.exec(request.body)?.[1] ?? "";
      const { padded, pad } = paddingOf(encrypt);
      expect(padded % 32).toBe(0);
      expect(pad).toBeGreaterThanOrEqual(1);
      expect(pad).toBeLessThanOrEqual(32);
    }
  });

  it("pushes authorized, then updateauthorized, then unauthorized as the merchant acts", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    const account = firstAccount(sandbox, "mini_program");
    const first = await control(sandbox, "authorize", { appid: account.appid });
    const second = await control(sandbox, "set-permission-sets", { appid: account.appid, ids: [17, 18] });
    await control(sandbox, "revoke", { appid: account.appid });
    const payloads = (await receiver.waitFor(3)).map(openWithWechatCrypto);
    expect(payloads.map((payload) => payload.InfoType)).toEqual(["authorized", "updateauthorized", "unauthorized"]);
    expect(Object.keys(payloads[0] ?? {})).toEqual([
      "AppId",
      "CreateTime",
      "InfoType",
      "AuthorizerAppid",
      "AuthorizationCode",
      "AuthorizationCodeExpiredTime",
      "PreAuthCode",
    ]);
    expect(payloads[0]).toMatchObject({ AuthorizerAppid: account.appid, AuthorizationCode: first.auth_code });
    expect(Number(payloads[0]?.AuthorizationCodeExpiredTime) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(payloads[1]).toMatchObject({ AuthorizerAppid: account.appid, AuthorizationCode: second.auth_code });
    expect(payloads[2]).toEqual({
      AppId: COMPONENT.appid,
      CreateTime: expect.any(String),
      InfoType: "unauthorized",
      AuthorizerAppid: account.appid,
    });
  });

  it("pushes notify_third_fasteregister with an auth_code the portal can exchange", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    const result = await control(sandbox, "fasteregister", { name: "沙箱测试" });
    const [request] = await receiver.waitFor(1);
    if (!request) throw new Error("no push");
    const payload = openWithWechatCrypto(request);
    expect(payload).toMatchObject({
      InfoType: "notify_third_fasteregister",
      status: "0",
      msg: "OK",
      appid: result.appid,
      auth_code: result.auth_code,
    });
    expect(payload.info).toMatchObject({ name: "沙箱测试", code_type: "1" });
    expect(sandbox.state.findAccount(String(result.appid))?.kind).toBe("mini_program");
  });
});

describe("retries", () => {
  it("retries an answer other than success, then stops at the first success", async () => {
    receiver = await startReceiver((_request, index, response) => void response.end(index === 0 ? "fail" : "success"));
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    const delivery = await sandbox.pushTicket();
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((attempt) => [attempt.status, attempt.answer, attempt.ok])).toEqual([
      [200, "fail", false],
      [200, "success", true],
    ]);
    // A retry re-sends the very same request.
    expect(receiver.requests[1]?.body).toBe(receiver.requests[0]?.body);
    expect(receiver.requests[1]?.query).toEqual(receiver.requests[0]?.query);
  });

  it("retries when the answer comes later than the timeout", async () => {
    // The first request is never answered (until the test ends); the retry is answered at once.
    let answerLate: () => void = () => {};
    const late = new Promise<void>((resolve) => (answerLate = resolve));
    receiver = await startReceiver(async (_request, index, response) => {
      if (index === 0) await late;
      response.end("success");
    });
    sandbox = await startTestSandbox({ eventUrl: receiver.url, pushTimeoutMs: 1000 });
    const delivery = await sandbox.pushTicket();
    answerLate();
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[0]).toMatchObject({ ok: false, error: "no answer within 1000 ms" });
    expect(delivery.attempts[1]).toMatchObject({ ok: true, status: 200 });
  });

  it("gives up after the first try and 3 retries, logging each", async () => {
    receiver = await startReceiver((_request, _index, response) => {
      response.statusCode = 500;
      response.end("oops");
    });
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    const delivery = await sandbox.pushTicket();
    expect(delivery.state).toBe("failed");
    expect(receiver.requests).toHaveLength(4);
    const log = (await (await fetch(`${sandbox.url}/sandbox/api/deliveries`)).json()) as {
      deliveries: { id: number; attempts: unknown[]; state: string }[];
    };
    expect(log.deliveries.find((entry) => entry.id === delivery.id)).toMatchObject({
      state: "failed",
      attempts: expect.arrayContaining([expect.objectContaining({ status: 500, answer: "oops" })]),
    });
  });

  it("logs deliveries to a portal that is not up, without crashing", async () => {
    sandbox = await startTestSandbox({ eventUrl: "http://127.0.0.1:9/events" });
    const delivery = await sandbox.pushTicket();
    expect(delivery.state).toBe("failed");
    expect(delivery.attempts).toHaveLength(4);
    expect(delivery.attempts[0]?.error).toMatch(/ECONNREFUSED|fetch failed/);
    expect((await fetch(`${sandbox.url}/sandbox/api/state`)).status).toBe(200);
  });
});

describe("push faults", () => {
  it("drops a push: the ticket exists but nothing is sent", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({
      eventUrl: receiver.url,
      faults: [{ kind: "drop-push", endpoint: "component_verify_ticket", count: 1 }],
    });
    const dropped = await sandbox.pushTicket();
    expect(dropped.state).toBe("dropped");
    const delivered = await sandbox.pushTicket();
    expect(delivered.state).toBe("delivered");
    expect(receiver.requests).toHaveLength(1);
    expect(openWithWechatCrypto(receiver.requests[0] as ReceivedRequest).ComponentVerifyTicket).toBe(sandbox.state.data.tickets[1]?.value);
  });

  it("duplicates a push: the same payload arrives twice", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: receiver.url });
    await control(sandbox, "faults", { kind: "duplicate-push", endpoint: "authorized" });
    await control(sandbox, "authorize", { appid: firstAccount(sandbox, "official_account").appid });
    const requests = await receiver.waitFor(2);
    const [first, second] = requests.map(openWithWechatCrypto);
    expect(first).toEqual(second);
    expect(first?.InfoType).toBe("authorized");
    const log = (await (await fetch(`${sandbox.url}/sandbox/api/deliveries?infoType=authorized`)).json()) as {
      deliveries: { duplicateOf?: number }[];
    };
    expect(log.deliveries.filter((entry) => entry.duplicateOf !== undefined)).toHaveLength(1);
  });
});

describe("ticket timer", () => {
  it("pushes again on the interval", async () => {
    receiver = await startReceiver();
    sandbox = await startTestSandbox({ eventUrl: receiver.url, pushTicketOnStart: true, ticketIntervalSeconds: 0.2 });
    const requests = await receiver.waitFor(3, 3000);
    const tickets = requests.slice(0, 3).map((request) => openWithWechatCrypto(request).ComponentVerifyTicket);
    expect(new Set(tickets).size).toBe(3);
  });
});
