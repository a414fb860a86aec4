import { describe, expect, it } from "vitest";
import { AuthLinkError, buildH5AuthLink, buildPcAuthLink, buildPluginParams } from "@/lib/wechat/links";
import { WECHAT_HOSTS } from "@/lib/wechat/demo-component";

const base = {
  componentAppid: "wxe940405705046cf5",
  preAuthCode: "preauthcode@@@Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw",
  redirectUri: "https://portal.example.com/authorize/callback",
};
const encodedCode = "preauthcode%40%40%40Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw";

function linkError(run: () => unknown): AuthLinkError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthLinkError);
    return error as AuthLinkError;
  }
  throw new Error("expected AuthLinkError");
}

describe("buildPcAuthLink", () => {
  it("builds the minimal link with auth_type defaulting to 3", () => {
    expect(buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base })).toBe(
      `https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxe940405705046cf5&pre_auth_code=${encodedCode}` +
        "&redirect_uri=https%3A%2F%2Fportal.example.com%2Fauthorize%2Fcallback&auth_type=3",
    );
  });

  it("encodes a redirect_uri carrying its own query exactly once", () => {
    const link = buildPcAuthLink({
      mpBase: WECHAT_HOSTS.mp,
      ...base,
      redirectUri: "https://portal.example.com/cb?attempt=a1b2&lang=zh-CN",
      authType: 1,
    });
    expect(link).toBe(
      `https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxe940405705046cf5&pre_auth_code=${encodedCode}` +
        "&redirect_uri=https%3A%2F%2Fportal.example.com%2Fcb%3Fattempt%3Da1b2%26lang%3Dzh-CN&auth_type=1",
    );
    // Decoding the parameter once gives the original URI back (not a double-encoded one).
    expect(new URL(link).searchParams.get("redirect_uri")).toBe("https://portal.example.com/cb?attempt=a1b2&lang=zh-CN");
    expect(link).not.toContain("%253F");
  });

  it("adds biz_appid and category_id_list joined with |", () => {
    expect(
      buildPcAuthLink({
        mpBase: "http://localhost:4010/",
        ...base,
        preAuthCode: "abc",
        authType: 2,
        bizAppid: "wx570bc396a51b8ff8",
        permissionSetIds: [17, 18, 19],
      }),
    ).toBe(
      "http://localhost:4010/cgi-bin/componentloginpage?component_appid=wxe940405705046cf5&pre_auth_code=abc" +
        "&redirect_uri=https%3A%2F%2Fportal.example.com%2Fauthorize%2Fcallback&auth_type=2&biz_appid=wx570bc396a51b8ff8&category_id_list=17|18|19",
    );
  });

  it("leaves category_id_list out when the list is empty (WeChat then offers every published set)", () => {
    expect(buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, permissionSetIds: [] })).not.toContain("category_id_list");
  });

  it("validates auth_type, appids, the redirect URI and permission set ids", () => {
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, authType: 7 as 1 })).fields).toEqual(["authType"]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, authType: 0 as 1 })).message).toContain("between 1 and 6");
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, componentAppid: "wx123" })).fields).toEqual([
      "componentAppid",
    ]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, bizAppid: "gh_3c884a361561" })).fields).toEqual([
      "bizAppid",
    ]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, redirectUri: "/relative/path" })).fields).toEqual([
      "redirectUri",
    ]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, redirectUri: "javascript:alert(1)" })).fields).toEqual([
      "redirectUri",
    ]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, permissionSetIds: [1, -2] })).fields).toEqual([
      "permissionSetIds.1",
    ]);
    expect(linkError(() => buildPcAuthLink({ mpBase: WECHAT_HOSTS.mp, ...base, preAuthCode: "" })).fields).toEqual(["preAuthCode"]);
    expect(linkError(() => buildPcAuthLink({ mpBase: "not a url", ...base })).fields).toEqual(["mpBase"]);
  });
});

describe("buildH5AuthLink", () => {
  it("builds the current H5 link with the fixed action/no_scan prefix and #wechat_redirect", () => {
    expect(buildH5AuthLink({ openBase: WECHAT_HOSTS.open, ...base, preAuthCode: "abc" })).toBe(
      "https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxe940405705046cf5&pre_auth_code=abc" +
        "&redirect_uri=https%3A%2F%2Fportal.example.com%2Fauthorize%2Fcallback&auth_type=3#wechat_redirect",
    );
  });

  it("carries every optional parameter before the fragment", () => {
    const link = buildH5AuthLink({
      openBase: WECHAT_HOSTS.open,
      ...base,
      preAuthCode: "abc",
      redirectUri: "https://portal.example.com/m/done?attempt=42",
      authType: 6,
      bizAppid: "wxd101a85aa106f53e",
      permissionSetIds: [1],
    });
    expect(link).toBe(
      "https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxe940405705046cf5&pre_auth_code=abc" +
        "&redirect_uri=https%3A%2F%2Fportal.example.com%2Fm%2Fdone%3Fattempt%3D42&auth_type=6&biz_appid=wxd101a85aa106f53e&category_id_list=1#wechat_redirect",
    );
  });
});

describe("buildPluginParams", () => {
  it("maps to the plugin's parameter names and leaves bizAppid out when absent", () => {
    expect(buildPluginParams({ componentAppid: base.componentAppid, preAuthCode: "abc" })).toEqual({
      platformAppID: "wxe940405705046cf5",
      preAuthCode: "abc",
      authType: 3,
    });
    expect(
      buildPluginParams({ componentAppid: base.componentAppid, preAuthCode: "abc", authType: 2, bizAppid: "wxd101a85aa106f53e" }),
    ).toEqual({
      platformAppID: "wxe940405705046cf5",
      preAuthCode: "abc",
      authType: 2,
      bizAppid: "wxd101a85aa106f53e",
    });
  });

  it("validates like the links", () => {
    expect(linkError(() => buildPluginParams({ componentAppid: "nope", preAuthCode: "abc" })).fields).toEqual(["componentAppid"]);
  });
});
