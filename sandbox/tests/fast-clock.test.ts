// SANDBOX_CLOCK: lifetimes shrink by the speed factor and the reported expires_in shrinks with them,
// so a client trusting expires_in sees the same world; the clock-advance API moves time on at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxHandle } from "../server";
import { COMPONENT, api, control, expectWeChatError, firstAccount, latestTicket, startTestSandbox } from "./helpers";

let sandbox: SandboxHandle;

beforeAll(async () => {
  // 3600×: a 3600 s auth code lives 1 s, a 7200 s token 2 s, a 600 s pre_auth_code 1/6 s.
  sandbox = await startTestSandbox({ clock: 3600 });
});
afterAll(async () => {
  await sandbox.close();
});

describe("a fast clock", () => {
  it("reports scaled expires_in (ceil, at least 1)", async () => {
    const answer = await api(sandbox, "api_component_token", {
      component_appid: COMPONENT.appid,
      component_appsecret: COMPONENT.appsecret,
      component_verify_ticket: await latestTicket(sandbox),
    });
    expect(answer.expires_in).toBe(2);
    const code = await api(
      sandbox,
      "api_create_preauthcode",
      { component_appid: COMPONENT.appid },
      { component_access_token: String(answer.component_access_token) },
    );
    expect(code.expires_in).toBe(1);
  });

  it("expires an auth code after its scaled lifetime (61010) and a token after its own (42001)", async () => {
    const token = String(
      (
        await api(sandbox, "api_component_token", {
          component_appid: COMPONENT.appid,
          component_appsecret: COMPONENT.appsecret,
          component_verify_ticket: await latestTicket(sandbox),
        })
      ).component_access_token,
    );
    const granted = await control(sandbox, "authorize", { appid: firstAccount(sandbox, "official_account").appid, push: false });
    expect(granted.expires_in).toBe(1);
    // An hour of WeChat time (one real second at 3600×), without waiting for it.
    await control(sandbox, "clock/advance", { seconds: 3601 });
    const expired = await api(
      sandbox,
      "api_query_auth",
      { component_appid: COMPONENT.appid, authorization_code: granted.auth_code },
      { component_access_token: token },
    );
    expectWeChatError(expired, 61010);
    await control(sandbox, "clock/advance", { seconds: 3601 });
    expectWeChatError(
      await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token }),
      42001,
    );
  });
});
