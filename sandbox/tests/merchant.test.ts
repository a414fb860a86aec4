// The merchant pages over HTTP: link parameters, WeChat's refusals (Referer, expired or used
// pre_auth_code), the H5 confirm → redirect, and what the PC page's polling sees.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REFUSALS } from "../merchant/link";
import type { SandboxHandle } from "../server";
import { COMPONENT, api, control, firstAccount, getComponentToken, startReceiver, startTestSandbox, type Receiver } from "./helpers";

const AUTH_DOMAIN = "portal.example.test:3000";
const REFERER = `http://${AUTH_DOMAIN}/authorize`;
const REDIRECT = `http://${AUTH_DOMAIN}/api/wechat/authorize/callback?attempt=a1b2`;

let sandbox: SandboxHandle;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startTestSandbox({ authDomain: AUTH_DOMAIN, eventUrl: receiver.url });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await control(sandbox, "reset", { pushTicket: false });
  receiver.requests.length = 0;
});

async function createPreAuthCode(): Promise<string> {
  const token = await getComponentToken(sandbox);
  const answer = await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token });
  return String(answer.pre_auth_code);
}

function linkUrl(path: string, params: Record<string, string>): string {
  const url = new URL(path, sandbox.url);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** `referer: null` sends none (the page typed into the address bar). */
async function open(path: string, params: Record<string, string>, referer: string | null = REFERER) {
  const response = await fetch(linkUrl(path, params), { headers: referer ? { referer } : {}, redirect: "manual" });
  return { response, text: await response.text(), refusal: response.headers.get("x-sandbox-refusal") };
}

function sessionIdFrom(text: string): string {
  const match = /\/sandbox\/phone\/([0-9a-f-]{36})/.exec(text);
  if (!match?.[1]) throw new Error("no session in page");
  return match[1];
}

async function confirm(sessionId: string, appid: string, funcIds: number[]) {
  const form = new URLSearchParams({ appid });
  for (const id of funcIds) form.append("func", String(id));
  return fetch(`${sandbox.url}/sandbox/phone/${sessionId}/confirm`, { method: "POST", body: form, redirect: "manual" });
}

const baseParams = async (extra: Record<string, string> = {}) => ({
  component_appid: COMPONENT.appid,
  pre_auth_code: await createPreAuthCode(),
  redirect_uri: REDIRECT,
  auth_type: "3",
  ...extra,
});

describe("Referer (授权发起页域名)", () => {
  it("refuses a link opened without a Referer, in WeChat's words", async () => {
    const { text, refusal } = await open("/cgi-bin/componentloginpage", await baseParams(), null);
    expect(refusal).toBe("domain");
    expect(text).toContain(REFUSALS.domain(undefined));
    expect(text).toContain("授权入口页所在域名：空");
  });

  it("refuses a foreign Referer and names its host", async () => {
    const { text, refusal } = await open("/wxaopen/safe/bindcomponent", await baseParams(), "https://evil.example.com/page");
    expect(refusal).toBe("domain");
    expect(text).toContain("授权入口页所在域名：evil.example.com");
  });

  it("compares host and port", async () => {
    const { refusal } = await open("/cgi-bin/componentloginpage", await baseParams(), "http://portal.example.test:4000/");
    expect(refusal).toBe("domain");
  });
});

describe("link parameters", () => {
  it("refuses missing or wrong parameters with WeChat's messages", async () => {
    const params = await baseParams();
    expect((await open("/cgi-bin/componentloginpage", { ...params, component_appid: "wx0000000000000000" })).text).toContain(
      "ComponentAppID非法",
    );
    expect((await open("/cgi-bin/componentloginpage", { ...params, pre_auth_code: "" })).text).toContain("参数缺少preauthcode");
    expect((await open("/cgi-bin/componentloginpage", { ...params, pre_auth_code: "preauthcode@@@forged" })).text).toContain(
      "PreAuthCode无效",
    );
    expect((await open("/cgi-bin/componentloginpage", { ...params, redirect_uri: "" })).text).toContain("参数缺少redirecturl");
    expect((await open("/cgi-bin/componentloginpage", { ...params, auth_type: "9" })).refusal).toBe("params");
    expect((await open("/cgi-bin/componentloginpage", { ...params, category_id_list: "1|999999" })).text).toContain("不合法的权限集列表");
  });

  it("lists the accounts of the chosen types; biz_appid wins over auth_type", async () => {
    const miniProgram = firstAccount(sandbox, "mini_program");
    const officialOnly = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "1" }));
    const shown = [...officialOnly.text.matchAll(/data-appid="(wx[0-9a-f]{16})"/g)].map((match) => match[1]);
    const kinds = shown.map((appid) => sandbox.state.findAccount(String(appid))?.kind);
    expect(kinds.length).toBeGreaterThan(1);
    expect(new Set(kinds)).toEqual(new Set(["official_account"]));
    expect(officialOnly.text).not.toContain("全网发布测试");

    const pinned = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "1", biz_appid: miniProgram.appid }));
    expect([...pinned.text.matchAll(/data-appid="(wx[0-9a-f]{16})"/g)].map((match) => match[1])).toEqual([miniProgram.appid]);

    const channels = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "5" }));
    const channelAppids = [...channels.text.matchAll(/data-appid="(wx[0-9a-f]{16})"/g)].map(
      (match) => sandbox.state.findAccount(String(match[1]))?.kind,
    );
    expect(new Set(channelAppids)).toEqual(new Set(["channels"]));
  });

  it("offers only the sets of category_id_list", async () => {
    const account = firstAccount(sandbox, "official_account");
    const page = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "1", category_id_list: "1|2|17" }));
    const sets = await (await fetch(`${sandbox.url}/sandbox/phone/${sessionIdFrom(page.text)}/account/${account.appid}`)).text();
    expect([...sets.matchAll(/name="func" value="(\d+)"/g)].map((match) => Number(match[1]))).toEqual([1, 2]);
  });
});

describe("H5 flow", () => {
  it("redirects to redirect_uri with auth_code and expires_in, its own query kept, and pushes authorized", async () => {
    const account = firstAccount(sandbox, "official_account");
    const params = await baseParams({ auth_type: "1" });
    const page = await open("/wxaopen/safe/bindcomponent", params);
    expect(page.response.status).toBe(200);
    const response = await confirm(sessionIdFrom(page.text), account.appid, [1, 2, 3]);
    expect(response.status).toBe(302);
    const target = new URL(String(response.headers.get("location")));
    expect(`${target.origin}${target.pathname}`).toBe(`http://${AUTH_DOMAIN}/api/wechat/authorize/callback`);
    expect(target.searchParams.get("attempt")).toBe("a1b2");
    expect(target.searchParams.get("auth_code")).toMatch(/^queryauthcode@@@/);
    expect(target.searchParams.get("expires_in")).toBe("3600");

    await receiver.waitFor(1);
    const authorized = sandbox.state.deliveries.find((delivery) => delivery.infoType === "authorized");
    expect(authorized?.plaintext).toContain(String(target.searchParams.get("auth_code")));
    expect(authorized?.plaintext).toContain(params.pre_auth_code);

    // What the admin unticked is not granted.
    const token = await getComponentToken(sandbox);
    const answer = await api(
      sandbox,
      "api_query_auth",
      { component_appid: COMPONENT.appid, authorization_code: target.searchParams.get("auth_code") },
      { component_access_token: token },
    );
    const info = answer.authorization_info as { func_info: { funcscope_category: { id: number } }[] };
    expect(info.func_info.map((entry) => entry.funcscope_category.id)).toEqual([1, 2, 3]);
  });

  it("refuses the same pre_auth_code once used, in WeChat's words", async () => {
    const account = firstAccount(sandbox, "official_account");
    const params = await baseParams({ auth_type: "1" });
    const page = await open("/wxaopen/safe/bindcomponent", params);
    await confirm(sessionIdFrom(page.text), account.appid, [1]);
    const again = await open("/wxaopen/safe/bindcomponent", params);
    expect(again.refusal).toBe("pre_auth_code_used");
    expect(again.text).toContain("预授权码已经被授权过，不能重复使用，请重新从源头页面进入授权页");
  });

  it("refuses an expired pre_auth_code", async () => {
    const params = await baseParams();
    sandbox.context.clock.advance(601);
    const expired = await open("/cgi-bin/componentloginpage", params);
    expect(expired.refusal).toBe("pre_auth_code_expired");
    expect(expired.text).toContain(REFUSALS.expiredPreAuthCode);
  });

  it("pushes updateauthorized when the account is already authorized", async () => {
    const account = firstAccount(sandbox, "official_account");
    for (const funcIds of [[1, 2], [1]]) {
      const page = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "1" }));
      await confirm(sessionIdFrom(page.text), account.appid, funcIds);
    }
    await receiver.waitFor(4);
    const authorizationPushes = sandbox.state.deliveries.filter((delivery) => delivery.infoType !== "component_verify_ticket");
    expect(authorizationPushes.map((delivery) => delivery.infoType)).toEqual(["authorized", "updateauthorized"]);
    expect(sandbox.state.findAuthorization(account.appid)?.funcIds).toEqual([1]);
  });

  it("cancel on the H5 page tells the component nothing: no redirect to redirect_uri, no push; the code still works", async () => {
    const account = firstAccount(sandbox, "official_account");
    const pushesFor = () =>
      sandbox.state.deliveries.filter((delivery) => delivery.kind === "push" && delivery.plaintext.includes(account.appid)).length;
    const before = pushesFor();
    const params = await baseParams({ auth_type: "1" });
    const page = await open("/wxaopen/safe/bindcomponent", params);
    const cancelled = await fetch(`${sandbox.url}/sandbox/phone/${sessionIdFrom(page.text)}/cancel`, {
      method: "POST",
      redirect: "manual",
    });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.text()).toContain("已取消授权");
    expect(pushesFor()).toBe(before);
    // The same link opened again (the admin changed their mind) still authorizes.
    const again = await open("/wxaopen/safe/bindcomponent", params);
    const confirmed = await confirm(sessionIdFrom(again.text), account.appid, [1]);
    expect(confirmed.status).toBe(302);
  });

  it("refuses a set the link did not offer", async () => {
    const account = firstAccount(sandbox, "official_account");
    const page = await open("/wxaopen/safe/bindcomponent", await baseParams({ auth_type: "1", category_id_list: "1|2" }));
    const response = await confirm(sessionIdFrom(page.text), account.appid, [1, 7]);
    expect(response.headers.get("x-sandbox-refusal")).toBe("params");
    expect(sandbox.state.findAuthorization(account.appid)).toBeUndefined();
  });
});

describe("PC flow", () => {
  it("shows a QR and the phone link; polling follows scan, confirm and the redirect", async () => {
    const account = firstAccount(sandbox, "mini_program");
    const page = await open("/cgi-bin/componentloginpage", await baseParams({ auth_type: "2" }));
    expect(page.text).toContain("<svg");
    const sessionId = sessionIdFrom(page.text);
    expect(page.text).toContain(`${sandbox.url}/sandbox/phone/${sessionId}`);
    const poll = async () =>
      (await (await fetch(`${sandbox.url}/sandbox/session/${sessionId}`)).json()) as { status: string; redirectTo?: string };
    expect((await poll()).status).toBe("waiting");
    await fetch(`${sandbox.url}/sandbox/phone/${sessionId}`);
    expect((await poll()).status).toBe("scanned");
    const response = await confirm(sessionId, account.appid, [17, 18]);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("授权成功");
    const confirmed = await poll();
    expect(confirmed.status).toBe("confirmed");
    expect(new URL(String(confirmed.redirectTo)).searchParams.get("attempt")).toBe("a1b2");
  });

  it("shows the cancellation to the desktop", async () => {
    const page = await open("/cgi-bin/componentloginpage", await baseParams());
    const sessionId = sessionIdFrom(page.text);
    const cancelled = await fetch(`${sandbox.url}/sandbox/phone/${sessionId}/cancel`, { method: "POST" });
    expect(await cancelled.text()).toContain("已取消授权");
    expect(await (await fetch(`${sandbox.url}/sandbox/session/${sessionId}`)).json()).toEqual({ status: "cancelled" });
    expect(sandbox.state.data.authorizations).toHaveLength(0);
  });

  it("reports the QR as expired once the pre_auth_code dies", async () => {
    const page = await open("/cgi-bin/componentloginpage", await baseParams());
    sandbox.context.clock.advance(601);
    expect(await (await fetch(`${sandbox.url}/sandbox/session/${sessionIdFrom(page.text)}`)).json()).toEqual({ status: "expired" });
  });
});

it("escapes link parameters it echoes", async () => {
  const page = await open("/cgi-bin/componentloginpage", await baseParams(), 'http://"><script>alert(1)</script>/');
  expect(page.text).not.toContain("<script>alert(1)</script>");
});
