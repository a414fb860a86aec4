// The component APIs: success shapes against WeChat's samples and every errcode the issue lists.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readJsonFixture } from "../../tests/unit/wechat/fixtures";
import type { SandboxHandle } from "../server";
import {
  COMPONENT,
  api,
  authorizeAndQuery,
  control,
  errmsgText,
  expectSameShape,
  expectWeChatError,
  firstAccount,
  getComponentToken,
  latestTicket,
  startTestSandbox,
} from "./helpers";

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await control(sandbox, "reset", { pushTicket: false });
});

const tokenBody = (ticket: string) => ({
  component_appid: COMPONENT.appid,
  component_appsecret: COMPONENT.appsecret,
  component_verify_ticket: ticket,
});

describe("api_component_token", () => {
  it("exchanges a pushed ticket for a token shaped like WeChat's", async () => {
    const answer = await api(sandbox, "api_component_token", tokenBody(await latestTicket(sandbox)));
    expectSameShape(answer, readJsonFixture("responses/api_component_token.doc-legacy.json"));
    expect(answer.expires_in).toBe(7200);
  });

  it("refuses a ticket the sandbox never pushed with 61006", async () => {
    await latestTicket(sandbox);
    expectWeChatError(await api(sandbox, "api_component_token", tokenBody("ticket@@@made-up")), 61006);
  });

  it("refuses a ticket older than 12 hours with 61005", async () => {
    const ticket = await latestTicket(sandbox);
    sandbox.context.clock.advance(12 * 3600 + 1);
    expectWeChatError(await api(sandbox, "api_component_token", tokenBody(ticket)), 61005);
  });

  it("refuses a wrong secret (40125) and a wrong appid (40013)", async () => {
    const ticket = await latestTicket(sandbox);
    expectWeChatError(await api(sandbox, "api_component_token", { ...tokenBody(ticket), component_appsecret: "wrong" }), 40125);
    expectWeChatError(await api(sandbox, "api_component_token", { ...tokenBody(ticket), component_appid: "wx0000000000000000" }), 40013);
    expectWeChatError(
      await api(sandbox, "api_component_token", { component_appid: COMPONENT.appid, component_verify_ticket: ticket }),
      41004,
    );
  });

  it("answers malformed bodies with 47001 and empty ones with 44002", async () => {
    const malformed = await fetch(`${sandbox.url}/cgi-bin/component/api_component_token`, { method: "POST", body: "{not json" });
    expectWeChatError((await malformed.json()) as Record<string, unknown>, 47001);
    const empty = await fetch(`${sandbox.url}/cgi-bin/component/api_component_token`, { method: "POST", body: "" });
    expectWeChatError((await empty.json()) as Record<string, unknown>, 44002);
  });

  it("keeps a superseded token alive five minutes, then says 40001 (not latest)", async () => {
    const first = await getComponentToken(sandbox);
    await getComponentToken(sandbox);
    const body = { component_appid: COMPONENT.appid };
    expect(await api(sandbox, "api_create_preauthcode", body, { component_access_token: first })).toHaveProperty("pre_auth_code");
    sandbox.context.clock.advance(301);
    expectWeChatError(await api(sandbox, "api_create_preauthcode", body, { component_access_token: first }), 40001);
  });
});

describe("api_start_push_ticket", () => {
  it("checks the secret and pushes a fresh ticket", async () => {
    expectWeChatError(await api(sandbox, "api_start_push_ticket", { component_appid: COMPONENT.appid, component_secret: "nope" }), 40125);
    const before = sandbox.state.data.tickets.length;
    expect(
      await api(sandbox, "api_start_push_ticket", { component_appid: COMPONENT.appid, component_secret: COMPONENT.appsecret }),
    ).toEqual({ errcode: 0, errmsg: "ok" });
    expect(sandbox.state.data.tickets.length).toBe(before + 1);
  });
});

describe("api_create_preauthcode", () => {
  it("issues a 600 s code shaped like WeChat's", async () => {
    const token = await getComponentToken(sandbox);
    const answer = await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token });
    expectSameShape(answer, readJsonFixture("responses/api_create_preauthcode.doc-legacy.json"));
    expect(answer.pre_auth_code).toMatch(/^preauthcode@@@/);
    expect(answer.expires_in).toBe(600);
  });

  it("needs a token (41001), a real one (40001), a live one (42001)", async () => {
    const body = { component_appid: COMPONENT.appid };
    expectWeChatError(await api(sandbox, "api_create_preauthcode", body), 41001);
    expectWeChatError(await api(sandbox, "api_create_preauthcode", body, { component_access_token: "forged" }), 40001);
    const token = await getComponentToken(sandbox);
    sandbox.context.clock.advance(7200);
    const expired = await api(sandbox, "api_create_preauthcode", body, { component_access_token: token });
    expectWeChatError(expired, 42001);
    expect(errmsgText(expired.errmsg)).toBe(
      errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/42001.community.json").errmsg),
    );
  });
});

describe("api_query_auth", () => {
  it("returns the authorization shaped like WeChat's, with what was granted", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { answer } = await authorizeAndQuery(sandbox, { appid: account.appid, ids: [1, 3, 4, 24] });
    expectSameShape(answer, readJsonFixture("responses/api_query_auth.official_account.sdk-go-test.json"));
    const info = answer.authorization_info as { func_info: { funcscope_category: { id: number } }[]; authorizer_appid: string };
    expect(info.authorizer_appid).toBe(account.appid);
    expect(info.func_info.map((entry) => entry.funcscope_category.id)).toEqual([1, 3, 4, 24]);
  });

  it("refuses an unknown code and a code used twice with 61009, an expired one with 61010", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { componentToken, authCode } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const query = { component_access_token: componentToken };
    const again = await api(sandbox, "api_query_auth", { component_appid: COMPONENT.appid, authorization_code: authCode }, query);
    expectWeChatError(again, 61009);
    expectWeChatError(
      await api(sandbox, "api_query_auth", { component_appid: COMPONENT.appid, authorization_code: "queryauthcode@@@nope" }, query),
      61009,
    );

    const fresh = await control(sandbox, "authorize", { appid: account.appid, push: false });
    sandbox.context.clock.advance(3600);
    const token = await getComponentToken(sandbox);
    const expired = await api(
      sandbox,
      "api_query_auth",
      { component_appid: COMPONENT.appid, authorization_code: fresh.auth_code },
      { component_access_token: token },
    );
    expectWeChatError(expired, 61010);
    expect(errmsgText(expired.errmsg)).toBe(
      errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/61010.community.json").errmsg),
    );
  });
});

describe("api_authorizer_token", () => {
  it("refreshes with the refresh token, shaped like WeChat's", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { componentToken, refreshToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const answer = await api(
      sandbox,
      "api_authorizer_token",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid, authorizer_refresh_token: refreshToken },
      { component_access_token: componentToken },
    );
    expectSameShape(answer, readJsonFixture("responses/api_authorizer_token.doc-legacy.json"));
    expect(answer.authorizer_refresh_token).toBe(refreshToken);
  });

  it("rotates the refresh token every N refreshes; the old one works for an hour, then 61023", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { componentToken, refreshToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const refresh = (token: string) =>
      api(
        sandbox,
        "api_authorizer_token",
        { component_appid: COMPONENT.appid, authorizer_appid: account.appid, authorizer_refresh_token: token },
        { component_access_token: componentToken },
      );
    const every = sandbox.config.rotateRefreshEvery;
    const answers = [];
    for (let index = 0; index < every; index += 1) answers.push(await refresh(refreshToken));
    expect(answers.slice(0, -1).every((answer) => answer.authorizer_refresh_token === refreshToken)).toBe(true);
    const rotated = String(answers.at(-1)?.authorizer_refresh_token);
    expect(rotated).not.toBe(refreshToken);
    expect(rotated).toMatch(/^refreshtoken@@@/);

    expect(await refresh(refreshToken)).toHaveProperty("authorizer_access_token");
    sandbox.context.clock.advance(3601);
    const freshComponentToken = await getComponentToken(sandbox);
    const stale = await api(
      sandbox,
      "api_authorizer_token",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid, authorizer_refresh_token: refreshToken },
      { component_access_token: freshComponentToken },
    );
    expectWeChatError(stale, 61023);
    expect(errmsgText(stale.errmsg)).toBe(errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/61023.community.json").errmsg));
  });

  it("answers 61003 once the merchant revoked", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { componentToken, refreshToken, accessToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    await control(sandbox, "revoke", { appid: account.appid });
    const answer = await api(
      sandbox,
      "api_authorizer_token",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid, authorizer_refresh_token: refreshToken },
      { component_access_token: componentToken },
    );
    expectWeChatError(answer, 61003);
    expect(errmsgText(answer.errmsg)).toBe(errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/61003.community.json").errmsg));
    // Tokens issued before the revoke die with it.
    expectWeChatError(
      await api(
        sandbox,
        "/cgi-bin/message/custom/send",
        { touser: "o1", msgtype: "text", text: { content: "hi" } },
        { access_token: accessToken },
      ),
      61003,
    );
  });
});

describe("api_get_authorizer_info", () => {
  it("describes an official account like the silenceper capture", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { componentToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const answer = await api(
      sandbox,
      "api_get_authorizer_info",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid },
      { component_access_token: componentToken },
    );
    expectSameShape(answer, readJsonFixture("responses/api_get_authorizer_info.official_account.silenceper-test.json"));
    const info = answer.authorizer_info as Record<string, unknown>;
    expect(info.nick_name).toBe(account.nickName);
    expect(info.service_type_info).toEqual({ id: account.serviceTypeId });
    expect(info.verify_type_info).toEqual({ id: account.verifyTypeId });
    const avatar = await fetch(String(info.head_img));
    expect(avatar.headers.get("content-type")).toContain("image/svg+xml");
    expect(await avatar.text()).toContain(Array.from(account.nickName)[0]);
  });

  it("describes a mini program with MiniProgramInfo like the WxJava capture", async () => {
    const account = firstAccount(sandbox, "mini_program");
    const { componentToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const answer = await api(
      sandbox,
      "api_get_authorizer_info",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid },
      { component_access_token: componentToken },
    );
    expectSameShape(answer, readJsonFixture("responses/api_get_authorizer_info.miniprogram.wxjava-test.json"));
  });

  it("answers 61003 for an account that never authorized", async () => {
    const token = await getComponentToken(sandbox);
    const account = firstAccount(sandbox, "mini_program");
    expectWeChatError(
      await api(
        sandbox,
        "api_get_authorizer_info",
        { component_appid: COMPONENT.appid, authorizer_appid: account.appid },
        { component_access_token: token },
      ),
      61003,
    );
  });
});

describe("api_get_authorizer_list", () => {
  it("pages with offset and count, skipping revoked authorizers", async () => {
    const token = await getComponentToken(sandbox);
    const appids = sandbox.state
      .listAccounts()
      .filter((account) => !account.releaseTest)
      .slice(0, 5)
      .map((account) => account.appid);
    for (const appid of appids) await control(sandbox, "authorize", { appid, push: false });
    await control(sandbox, "revoke", { appid: appids[4] });
    const page = (offset: number, count: number) =>
      api(sandbox, "api_get_authorizer_list", { component_appid: COMPONENT.appid, offset, count }, { component_access_token: token });
    const first = await page(0, 3);
    const second = await page(3, 3);
    expectSameShape(first, readJsonFixture("responses/api_get_authorizer_list.doc.json"));
    expect(first.total_count).toBe(4);
    const listed = [...(first.list as { authorizer_appid: string }[]), ...(second.list as { authorizer_appid: string }[])];
    expect(listed.map((entry) => entry.authorizer_appid).sort()).toEqual(appids.slice(0, 4).sort());
    expect(second.list).toHaveLength(1);
    expectWeChatError(await page(0, 501), 40097);
  });
});

describe("authorizer options", () => {
  it("gets and sets options with the authorizer token, shaped like the samples", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { accessToken, componentToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const set = await api(
      sandbox,
      "set_authorizer_option",
      { option_name: "voice_recognize", option_value: "1" },
      { access_token: accessToken },
    );
    expectSameShape(set, readJsonFixture("responses/api_set_authorizer_option.doc-legacy.json"));
    expect(await api(sandbox, "get_authorizer_option", { option_name: "voice_recognize" }, { access_token: accessToken })).toEqual({
      option_name: "voice_recognize",
      option_value: "1",
    });
    const legacy = await api(
      sandbox,
      "api_get_authorizer_option",
      { component_appid: COMPONENT.appid, authorizer_appid: account.appid, option_name: "voice_recognize" },
      { component_access_token: componentToken },
    );
    expectSameShape(legacy, readJsonFixture("responses/api_get_authorizer_option.doc-legacy.json"));
    expect(legacy.option_value).toBe("1");
  });

  it("answers 61007 when the permission set behind the option was not granted", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { accessToken } = await authorizeAndQuery(sandbox, { appid: account.appid, ids: [1] });
    const answer = await api(sandbox, "get_authorizer_option", { option_name: "customer_service" }, { access_token: accessToken });
    expectWeChatError(answer, 61007);
    expect(errmsgText(answer.errmsg)).toBe(errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/61007.community.json").errmsg));
  });
});

describe("authorizer calls", () => {
  it("issues a jsapi ticket and accepts a custom message", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { accessToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    const ticket = (await (
      await fetch(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(accessToken)}&type=jsapi`)
    ).json()) as Record<string, unknown>;
    expect(ticket).toEqual({ errcode: 0, errmsg: "ok", ticket: expect.any(String), expires_in: 7200 });
    const sent = await api(
      sandbox,
      "/cgi-bin/message/custom/send",
      { touser: "o_fan", msgtype: "text", text: { content: "你好" } },
      { access_token: accessToken },
    );
    expect(sent).toEqual({ errcode: 0, errmsg: "ok" });
    expect(sandbox.state.data.customMessages.at(-1)?.body).toEqual({ touser: "o_fan", msgtype: "text", text: { content: "你好" } });
  });

  it("refuses a component token where an authorizer token is needed (40001)", async () => {
    const token = await getComponentToken(sandbox);
    const answer = (await (
      await fetch(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(token)}&type=jsapi`)
    ).json()) as Record<string, unknown>;
    expectWeChatError(answer, 40001);
    expect(errmsgText(answer.errmsg)).toBe(errmsgText(readJsonFixture<{ errmsg: string }>("responses/errors/40001.community.json").errmsg));
  });
});

describe("quotas and clear_quota/v2", () => {
  it("answers 45009 once the daily quota is spent, until clear_quota", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "quotas", { endpoint: "api_component_token", limit: 2 });
    expect(await api(sandbox, "api_component_token", tokenBody(ticket))).toHaveProperty("component_access_token");
    expect(await api(sandbox, "api_component_token", tokenBody(ticket))).toHaveProperty("component_access_token");
    const refused = await api(sandbox, "api_component_token", tokenBody(ticket));
    expectWeChatError(refused, 45009);
    expectSameShape(refused, readJsonFixture("responses/errors/45009.community.json"));

    expectWeChatError(await api(sandbox, "clear_quota/v2", { component_appid: COMPONENT.appid, appsecret: "wrong" }), 40125);
    expect(await api(sandbox, "clear_quota/v2", { component_appid: COMPONENT.appid, appsecret: COMPONENT.appsecret })).toEqual({
      errcode: 0,
      errmsg: "ok",
    });
    expect(await api(sandbox, "api_component_token", tokenBody(ticket))).toHaveProperty("component_access_token");
  });

  it("resets with the next sandbox day", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "quotas", { endpoint: "api_component_token", limit: 1 });
    await api(sandbox, "api_component_token", tokenBody(ticket));
    expectWeChatError(await api(sandbox, "api_component_token", tokenBody(ticket)), 45009);
    sandbox.context.clock.advance(86_400);
    const fresh = await latestTicket(sandbox);
    expect(await api(sandbox, "api_component_token", tokenBody(fresh))).toHaveProperty("component_access_token");
  });

  it("allows ten clears a month (48006 after)", async () => {
    const body = { component_appid: COMPONENT.appid, appsecret: COMPONENT.appsecret };
    for (let index = 0; index < 10; index += 1) expect(await api(sandbox, "clear_quota/v2", body)).toEqual({ errcode: 0, errmsg: "ok" });
    expectWeChatError(await api(sandbox, "clear_quota/v2", body), 48006);
  });

  it("clears one authorizer's quota with appid, refusing accounts that did not authorize (61003)", async () => {
    const account = firstAccount(sandbox, "official_account");
    const { accessToken } = await authorizeAndQuery(sandbox, { appid: account.appid });
    await control(sandbox, "quotas", { endpoint: "getticket", limit: 1 });
    const getTicket = async () =>
      (await (
        await fetch(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(accessToken)}&type=jsapi`)
      ).json()) as Record<string, unknown>;
    expect(await getTicket()).toHaveProperty("ticket");
    expectWeChatError(await getTicket(), 45009);
    const other = firstAccount(sandbox, "mini_program");
    expectWeChatError(
      await api(sandbox, "clear_quota/v2", { component_appid: COMPONENT.appid, appsecret: COMPONENT.appsecret, appid: other.appid }),
      61003,
    );
    expect(
      await api(sandbox, "clear_quota/v2", { component_appid: COMPONENT.appid, appsecret: COMPONENT.appsecret, appid: account.appid }),
    ).toEqual({ errcode: 0, errmsg: "ok" });
    expect(await getTicket()).toHaveProperty("ticket");
  });
});
