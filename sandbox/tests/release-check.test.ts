// The 全网发布 check against a tiny correct portal and a few wrong ones, through the control API and the
// CLI (exit codes).
import { execFile } from "node:child_process";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MessageCrypto } from "../../lib/wechat/crypto";
import { parseXml } from "../../lib/wechat/xml";
import type { SandboxHandle } from "../server";
import { COMPONENT, control, startReceiver, startTestSandbox, type Receiver, type ReceivedRequest } from "./helpers";

const crypto = new MessageCrypto({ token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey, appid: COMPONENT.appid });
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

type Behaviour = {
  textReply?: (content: string) => string;
  /** What the portal does with QUERY_AUTH_CODE: the right thing, nothing, or answer at once with text. */
  queryAuthCode?: "correct" | "ignore" | "reply-text";
  encryptReplies?: boolean;
};

function open(request: ReceivedRequest): Record<string, unknown> {
  const encrypt = String(parseXml(request.body).Encrypt);
  const plaintext = crypto.decryptVerified({
    msgSignature: request.query.msg_signature ?? "",
    timestamp: request.query.timestamp ?? "",
    nonce: request.query.nonce ?? "",
    encrypt,
  });
  return parseXml(plaintext);
}

function textReply(message: Record<string, unknown>, content: string, encrypted: boolean): string {
  const plaintext = `<xml><ToUserName><![CDATA[${String(message.FromUserName)}]]></ToUserName><FromUserName><![CDATA[${String(message.ToUserName)}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content></xml>`;
  if (!encrypted) return plaintext;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "1320562132";
  const { encrypt, msgSignature } = crypto.seal({ plaintext, timestamp, nonce });
  return `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${msgSignature}]]></MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
}

/** A portal in 60 lines: keeps the ticket, answers the three release cases (or gets them wrong on purpose). */
async function startPortal(behaviour: Behaviour, sandboxUrl: () => string): Promise<Receiver> {
  let ticket = "";
  return startReceiver(async (request, _index, response: ServerResponse) => {
    const message = open(request);
    if (request.url.pathname === "/events") {
      if (message.InfoType === "component_verify_ticket") ticket = String(message.ComponentVerifyTicket);
      return void response.end("success");
    }
    const encrypted = behaviour.encryptReplies !== false;
    if (message.MsgType === "event") return void response.end(textReply(message, `${String(message.Event)}from_callback`, encrypted));
    const content = String(message.Content);
    if (!content.startsWith("QUERY_AUTH_CODE:")) {
      return void response.end(textReply(message, behaviour.textReply ? behaviour.textReply(content) : `${content}_callback`, encrypted));
    }
    const mode = behaviour.queryAuthCode ?? "correct";
    if (mode === "reply-text") return void response.end(textReply(message, "hello", encrypted));
    response.end("");
    if (mode === "ignore") return;
    const code = content.slice("QUERY_AUTH_CODE:".length);
    const base = sandboxUrl();
    const token = await fetch(`${base}/cgi-bin/component/api_component_token`, {
      method: "POST",
      body: JSON.stringify({ component_appid: COMPONENT.appid, component_appsecret: COMPONENT.appsecret, component_verify_ticket: ticket }),
    }).then((r) => r.json() as Promise<{ component_access_token: string }>);
    const auth = await fetch(
      `${base}/cgi-bin/component/api_query_auth?component_access_token=${encodeURIComponent(token.component_access_token)}`,
      {
        method: "POST",
        body: JSON.stringify({ component_appid: COMPONENT.appid, authorization_code: code }),
      },
    ).then((r) => r.json() as Promise<{ authorization_info: { authorizer_access_token: string } }>);
    await fetch(`${base}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(auth.authorization_info.authorizer_access_token)}`, {
      method: "POST",
      body: JSON.stringify({ touser: message.FromUserName, msgtype: "text", text: { content: `${code}_from_api` } }),
    });
  });
}

let sandbox: SandboxHandle | undefined;
let portal: Receiver | undefined;

afterEach(async () => {
  await sandbox?.close();
  await portal?.close();
  sandbox = undefined;
  portal = undefined;
});

async function setUp(behaviour: Behaviour): Promise<SandboxHandle> {
  portal = await startPortal(behaviour, () => sandbox?.url ?? "");
  sandbox = await startTestSandbox({
    eventUrl: `${portal.url}/events`,
    messageUrl: `${portal.url}/messages/$APPID$`,
    releaseCheckWaitMs: 1500,
  });
  return sandbox;
}

type CheckResult = { ok: boolean; appid: string; cases: { name: string; ok: boolean; detail: string }[] };

describe("release check", () => {
  it("passes every case against a correct portal", async () => {
    const running = await setUp({});
    const result = (await control(running, "release-check")) as unknown as CheckResult;
    expect(result.cases.map((entry) => [entry.name, entry.ok])).toEqual([
      ["component_verify_ticket", true],
      ["text", true],
      ["query_auth_code", true],
      ["event", true],
    ]);
    expect(result.ok).toBe(true);
    expect(result.appid).toBe("wx570bc396a51b8ff8");
    // The messages really went to the per-authorizer URL, and the portal exchanged the code itself.
    expect(portal?.requests.some((request) => request.url.pathname === "/messages/wx570bc396a51b8ff8" && request.query.openid)).toBe(true);
    const calls = (await (await fetch(`${running.url}/sandbox/api/calls?endpoint=api_query_auth`)).json()) as {
      calls: { errcode: number }[];
    };
    expect(calls.calls.map((call) => call.errcode)).toEqual([0]);
  });

  it("runs against a release-test mini program too", async () => {
    const running = await setUp({});
    const result = (await control(running, "release-check", { appid: "wxd101a85aa106f53e" })) as unknown as CheckResult;
    expect(result.ok).toBe(true);
  });

  it("fails the text case on a wrong reply and the query_auth_code case when no custom message comes", async () => {
    const running = await setUp({ textReply: () => "something else", queryAuthCode: "ignore" });
    const result = (await control(running, "release-check")) as unknown as CheckResult;
    const byName = Object.fromEntries(result.cases.map((entry) => [entry.name, entry]));
    expect(result.ok).toBe(false);
    expect(byName.text).toMatchObject({ ok: false, detail: expect.stringContaining('"something else"') });
    expect(byName.query_auth_code).toMatchObject({ ok: false, detail: expect.stringContaining("no custom/send") });
    expect(byName.event?.ok).toBe(true);
  });

  it("fails when replies are not encrypted or QUERY_AUTH_CODE is answered with text", async () => {
    const running = await setUp({ encryptReplies: false, queryAuthCode: "reply-text" });
    const result = (await control(running, "release-check")) as unknown as CheckResult;
    const byName = Object.fromEntries(result.cases.map((entry) => [entry.name, entry]));
    expect(byName.text?.detail).toContain("<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>");
    expect(byName.query_auth_code?.detail).toContain("expected an empty reply");
  });

  it("fails the ticket case when the event URL does not answer success", async () => {
    const running = await startTestSandbox({
      eventUrl: "http://127.0.0.1:9/events",
      messageUrl: "http://127.0.0.1:9/m/$APPID$",
      releaseCheckWaitMs: 200,
    });
    sandbox = running;
    const result = (await control(running, "release-check")) as unknown as CheckResult;
    expect(result.cases.every((entry) => !entry.ok)).toBe(true);
    expect(result.cases[0]?.detail).toContain("not acknowledged");
  });

  it("refuses an appid that is not a release-test account (400)", async () => {
    const running = await setUp({});
    const response = await fetch(`${running.url}/sandbox/api/release-check`, {
      method: "POST",
      body: JSON.stringify({ appid: "wx0000000000000000" }),
    });
    expect(response.status).toBe(400);
  });

  it("the CLI prints one line per case and exits 0 on pass, 1 on failure", async () => {
    const passing = await setUp({});
    const ok = await run(process.execPath, ["--import", "tsx", "sandbox/release-check.ts"], {
      cwd: repoRoot,
      env: { ...process.env, SANDBOX_URL: passing.url },
    });
    expect(ok.stdout).toMatch(/PASS {2}component_verify_ticket/);
    expect(ok.stdout).toMatch(/PASS {2}query_auth_code/);
    expect(ok.stdout).toContain("release check passed");
    await passing.close();
    await portal?.close();

    const failing = await setUp({ textReply: () => "nope" });
    const failed = await run(process.execPath, ["--import", "tsx", "sandbox/release-check.ts"], {
      cwd: repoRoot,
      env: { ...process.env, SANDBOX_URL: failing.url },
    }).catch((error: { code: number; stdout: string }) => error);
    expect("code" in failed ? failed.code : 0).toBe(1);
    expect(failed.stdout).toMatch(/FAIL {2}text/);
  });
});
