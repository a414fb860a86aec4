import { describe, expect, it } from "vitest";
import { API_PATHS, buildTextCustomMessage, createComponentApi, type ComponentApi } from "@/lib/wechat/api";
import { WeChatApiError, WeChatTransportError, classifyErrcode } from "@/lib/wechat/errors";
import { listFixtures, readFixture } from "./fixtures";

const API_BASE = "https://api.example.test";
const COMPONENT_TOKEN = "COMPONENT_TOKEN_SECRET_1234";
const AUTHORIZER_TOKEN = "AUTHORIZER_TOKEN_SECRET_5678";

type Recorded = { url: URL; method: string; body: unknown };

function fakeFetch(respond: (request: Recorded) => Response | Promise<Response>) {
  const calls: Recorded[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: Recorded = {
      url: new URL(String(input)),
      method: init?.method ?? "GET",
      body: typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined,
    };
    calls.push(request);
    return respond(request);
  }) as typeof fetch;
  return { fetchImpl, calls };
}

const jsonResponse = (text: string, status = 200) => new Response(text, { status, headers: { "content-type": "application/json" } });

function apiReturning(text: string, status = 200) {
  const { fetchImpl, calls } = fakeFetch(() => jsonResponse(text, status));
  return { api: createComponentApi({ apiBase: `${API_BASE}/`, fetch: fetchImpl }), calls };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

const componentArgs = { componentAccessToken: COMPONENT_TOKEN, componentAppid: "wxe940405705046cf5" };

// One runner per response sample family: calls the matching method and checks the reshaped result.
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SAMPLE_RUNNERS: Record<string, (api: ComponentApi, raw: Raw, file: string) => Promise<void>> = {
  api_component_token: async (api, raw) => {
    const token = await api.getComponentToken({
      componentAppid: "wxe940405705046cf5",
      componentAppsecret: "secret",
      componentVerifyTicket: "ticket@@@x",
    });
    expect(token).toEqual({ componentAccessToken: raw.component_access_token, expiresIn: 7200 });
  },
  api_create_preauthcode: async (api, raw) => {
    expect(await api.createPreAuthCode(componentArgs)).toEqual({ preAuthCode: raw.pre_auth_code, expiresIn: 600 });
  },
  api_query_auth: async (api, raw) => {
    const grant = await api.queryAuth({ ...componentArgs, authorizationCode: "queryauthcode@@@x" });
    expect(grant.authorizerAppid).toBe(raw.authorization_info.authorizer_appid);
    expect(grant.authorizerAccessToken).toBe(raw.authorization_info.authorizer_access_token);
    expect(grant.authorizerRefreshToken).toBe(raw.authorization_info.authorizer_refresh_token);
    expect(grant.expiresIn).toBe(7200);
    expect(grant.permissionSets.map((set) => set.id)).toEqual(
      raw.authorization_info.func_info.map((entry: Raw) => entry.funcscope_category.id),
    );
  },
  api_authorizer_token: async (api, raw) => {
    const token = await api.getAuthorizerToken({
      ...componentArgs,
      authorizerAppid: "wx570bc396a51b8ff8",
      authorizerRefreshToken: "refreshtoken@@@x",
    });
    expect(token).toEqual({
      authorizerAccessToken: raw.authorizer_access_token,
      expiresIn: 7200,
      authorizerRefreshToken: raw.authorizer_refresh_token,
    });
  },
  api_get_authorizer_info: async (api, raw, file) => {
    const info = await api.getAuthorizerInfo({ ...componentArgs, authorizerAppid: "wxREQUESTED00000" });
    expect(info.profile.accountType).toBe(file.includes("miniprogram") ? "mini_program" : "official_account");
    expect(info.profile.nickName).toBe(raw.authorizer_info.nick_name);
    expect(info.profile.serviceTypeId).toBe(raw.authorizer_info.service_type_info.id);
    expect(info.profile.isVerified).toBe(raw.authorizer_info.verify_type_info.id !== -1);
    const authorization = raw.authorization_info;
    expect(info.authorization.authorizerAppid).toBe(
      authorization.authorizer_appid ?? authorization.authorization_appid ?? authorization.appid,
    );
    expect(info.authorization.permissionSets.map((set) => set.id)).toEqual(
      authorization.func_info.map((entry: Raw) => entry.funcscope_category.id),
    );
  },
  api_get_authorizer_list: async (api, raw) => {
    const list = await api.getAuthorizerList({ ...componentArgs, offset: 0, count: 500 });
    expect(list.totalCount).toBe(raw.total_count);
    expect(list.items).toEqual(
      raw.list.map((item: Raw) => ({
        authorizerAppid: item.authorizer_appid,
        refreshToken: item.refresh_token,
        authTime: new Date(item.auth_time * 1000),
      })),
    );
  },
  api_get_authorizer_option: async (api, raw) => {
    expect(await api.getAuthorizerOption({ authorizerAccessToken: AUTHORIZER_TOKEN, optionName: "voice_recognize" })).toEqual({
      optionName: raw.option_name,
      optionValue: raw.option_value,
    });
  },
  api_set_authorizer_option: async (api) => {
    await expect(
      api.setAuthorizerOption({ authorizerAccessToken: AUTHORIZER_TOKEN, optionName: "voice_recognize", optionValue: "1" }),
    ).resolves.toBeUndefined();
  },
};

describe("success samples in responses/", () => {
  const files = listFixtures("responses", ".json");

  it("every sample has a runner", () => {
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) expect(Object.keys(SAMPLE_RUNNERS), file).toContain(file.split(".")[0]);
  });

  it.each(files)("%s parses", async (file) => {
    const text = readFixture(`responses/${file}`);
    const runner = SAMPLE_RUNNERS[file.split(".")[0] ?? ""];
    if (runner === undefined) throw new Error(`no runner for ${file}`);
    const { api, calls } = apiReturning(text);
    await runner(api, JSON.parse(text) as Raw, file);
    expect(calls).toHaveLength(1);
  });
});

describe("reshaping details", () => {
  it("maps confirm_info to booleans", async () => {
    const { api } = apiReturning(readFixture("responses/api_query_auth.official_account.sdk-go-test.json"));
    const grant = await api.queryAuth({ ...componentArgs, authorizationCode: "x" });
    expect(grant.permissionSets[0]).toEqual({ id: 1, confirm: { needConfirm: true, alreadyConfirm: false, canConfirm: true } });
    expect(grant.permissionSets[1]).toEqual({ id: 3 });
  });

  it("falls back to the requested appid when the response names none", async () => {
    const { api } = apiReturning(JSON.stringify({ authorizer_info: { nick_name: "n" }, authorization_info: { func_info: [] } }));
    const info = await api.getAuthorizerInfo({ ...componentArgs, authorizerAppid: "wx570bc396a51b8ff8" });
    expect(info.authorization.authorizerAppid).toBe("wx570bc396a51b8ff8");
    expect(info.profile.isVerified).toBeUndefined();
  });

  it("reads mini program details", async () => {
    const { api } = apiReturning(readFixture("responses/api_get_authorizer_info.miniprogram.wxjava-test.json"));
    const info = await api.getAuthorizerInfo({ ...componentArgs, authorizerAppid: "wx326eecacf7370d4e" });
    expect(info.profile.isVerified).toBe(false);
    expect(info.profile.miniProgram?.categories).toEqual([
      { first: "生活服务", second: "丽人服务" },
      { first: "旅游服务", second: "旅游资讯" },
      { first: "物流服务", second: "查件" },
    ]);
    expect(info.authorization.authorizerRefreshToken).toBe("refreshtoken@@@RU0Sgi7bD6apS7frS9gj8Sbws7OoDejK9Z-cm0EnCzg");
  });

  it("accepts list items without refresh_token (reported for live responses)", async () => {
    const { api } = apiReturning(
      JSON.stringify({ total_count: 1, list: [{ authorizer_appid: "wx1ae72c28abb93c09", auth_time: 1685428690 }] }),
    );
    const list = await api.getAuthorizerList({ ...componentArgs, offset: 0, count: 10 });
    expect(list.items).toEqual([{ authorizerAppid: "wx1ae72c28abb93c09", authTime: new Date(1685428690_000) }]);
  });

  it("omits authorizerRefreshToken when api_authorizer_token does not rotate it", async () => {
    const { api } = apiReturning(JSON.stringify({ authorizer_access_token: "t", expires_in: 7200 }));
    const token = await api.getAuthorizerToken({ ...componentArgs, authorizerAppid: "wx570bc396a51b8ff8", authorizerRefreshToken: "r" });
    expect(token).toEqual({ authorizerAccessToken: "t", expiresIn: 7200 });
  });
});

describe("requests", () => {
  const ok = JSON.stringify({ errcode: 0, errmsg: "ok" });

  it("sends each call to its path, with the right token parameter and body", async () => {
    const responses: Record<string, string> = {
      [API_PATHS.componentToken]: JSON.stringify({ component_access_token: "c", expires_in: 7200 }),
      [API_PATHS.createPreAuthCode]: JSON.stringify({ pre_auth_code: "p", expires_in: 600 }),
      [API_PATHS.jsapiTicket]: JSON.stringify({
        errcode: 0,
        errmsg: "ok",
        ticket: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        expires_in: 7200,
      }),
      [API_PATHS.getAuthorizerOption]: JSON.stringify({ option_name: "location_report", option_value: 1 }),
    };
    const { fetchImpl, calls } = fakeFetch((request) => jsonResponse(responses[request.url.pathname] ?? ok));
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl });

    await api.startPushTicket({ componentAppid: "wxe940405705046cf5", componentSecret: "s" });
    await api.getComponentToken({ componentAppid: "wxe940405705046cf5", componentAppsecret: "s", componentVerifyTicket: "ticket@@@t" });
    await api.createPreAuthCode(componentArgs);
    await api.queryAuth({ ...componentArgs, authorizationCode: "code" }).catch(() => undefined);
    await api.clearQuota({ componentAppid: "wxe940405705046cf5", appsecret: "s" });
    const ticket = await api.getJsapiTicket({ authorizerAccessToken: AUTHORIZER_TOKEN });
    const option = await api.getAuthorizerOption({ authorizerAccessToken: AUTHORIZER_TOKEN, optionName: "location_report" });
    await api.sendCustomMessage({
      authorizerAccessToken: AUTHORIZER_TOKEN,
      message: buildTextCustomMessage({ toUser: "openid", content: "code_from_api" }),
    });

    expect(ticket.expiresIn).toBe(7200);
    expect(option).toEqual({ optionName: "location_report", optionValue: "1" });
    const summary = calls.map((call) => ({ method: call.method, url: call.url.toString(), body: call.body }));
    expect(summary).toEqual([
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/api_start_push_ticket`,
        body: { component_appid: "wxe940405705046cf5", component_secret: "s" },
      },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/api_component_token`,
        body: { component_appid: "wxe940405705046cf5", component_appsecret: "s", component_verify_ticket: "ticket@@@t" },
      },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/api_create_preauthcode?component_access_token=${COMPONENT_TOKEN}`,
        body: { component_appid: "wxe940405705046cf5" },
      },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/api_query_auth?component_access_token=${COMPONENT_TOKEN}`,
        body: { component_appid: "wxe940405705046cf5", authorization_code: "code" },
      },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/clear_quota/v2`,
        body: { component_appid: "wxe940405705046cf5", appsecret: "s" },
      },
      { method: "GET", url: `${API_BASE}/cgi-bin/ticket/getticket?access_token=${AUTHORIZER_TOKEN}&type=jsapi`, body: undefined },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/component/get_authorizer_option?access_token=${AUTHORIZER_TOKEN}`,
        body: { option_name: "location_report" },
      },
      {
        method: "POST",
        url: `${API_BASE}/cgi-bin/message/custom/send?access_token=${AUTHORIZER_TOKEN}`,
        body: { touser: "openid", msgtype: "text", text: { content: "code_from_api" } },
      },
    ]);
  });

  it("sends the remaining component-token calls with their documented bodies", async () => {
    const { fetchImpl, calls } = fakeFetch(() => jsonResponse(ok));
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl });
    await api
      .getAuthorizerToken({ ...componentArgs, authorizerAppid: "wx570bc396a51b8ff8", authorizerRefreshToken: "r" })
      .catch(() => undefined);
    await api.getAuthorizerInfo({ ...componentArgs, authorizerAppid: "wx570bc396a51b8ff8" }).catch(() => undefined);
    await api.getAuthorizerList({ ...componentArgs, offset: 500, count: 500 }).catch(() => undefined);
    await api.setAuthorizerOption({ authorizerAccessToken: AUTHORIZER_TOKEN, optionName: "customer_service", optionValue: "1" });
    await api.clearQuota({ componentAppid: "wxe940405705046cf5", appsecret: "s", appid: "wx570bc396a51b8ff8" });
    expect(calls.map((call) => [call.url.pathname, Object.fromEntries(call.url.searchParams), call.body])).toEqual([
      [
        API_PATHS.authorizerToken,
        { component_access_token: COMPONENT_TOKEN },
        { component_appid: "wxe940405705046cf5", authorizer_appid: "wx570bc396a51b8ff8", authorizer_refresh_token: "r" },
      ],
      [
        API_PATHS.authorizerInfo,
        { component_access_token: COMPONENT_TOKEN },
        { component_appid: "wxe940405705046cf5", authorizer_appid: "wx570bc396a51b8ff8" },
      ],
      [
        API_PATHS.authorizerList,
        { component_access_token: COMPONENT_TOKEN },
        { component_appid: "wxe940405705046cf5", offset: 500, count: 500 },
      ],
      [API_PATHS.setAuthorizerOption, { access_token: AUTHORIZER_TOKEN }, { option_name: "customer_service", option_value: "1" }],
      [API_PATHS.clearQuota, {}, { component_appid: "wxe940405705046cf5", appsecret: "s", appid: "wx570bc396a51b8ff8" }],
    ]);
  });

  it("refuses an authorizer list page larger than 500 before calling WeChat", async () => {
    const { fetchImpl, calls } = fakeFetch(() => jsonResponse(ok));
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl });
    await expect(api.getAuthorizerList({ ...componentArgs, offset: 0, count: 501 })).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

describe("error samples in responses/errors/", () => {
  const files = listFixtures("responses/errors", ".json").filter((file) => !file.includes("error_table"));

  it("has real error responses to test", () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  it.each(files)("%s throws WeChatApiError with errcode, rid and class", async (file) => {
    const text = readFixture(`responses/errors/${file}`);
    const raw = JSON.parse(text) as { errcode: number; errmsg: string };
    const { api } = apiReturning(text);
    const error = await rejectionOf(
      api.getAuthorizerToken({ ...componentArgs, authorizerAppid: "wx570bc396a51b8ff8", authorizerRefreshToken: "r" }),
    );
    expect(error).toBeInstanceOf(WeChatApiError);
    const apiError = error as WeChatApiError;
    expect(apiError.errcode).toBe(raw.errcode);
    expect(apiError.errmsg).toBe(raw.errmsg);
    expect(apiError.rid).toBe(/rid: (\S+)$/.exec(raw.errmsg)?.[1]);
    expect(apiError.endpoint).toBe(API_PATHS.authorizerToken);
    expect(apiError.classification).toEqual(classifyErrcode(raw.errcode));
    expect(`${apiError.message} ${apiError.endpoint}`).not.toContain(COMPONENT_TOKEN);
  });

  it("classifies the samples as the token code needs", async () => {
    const classOf = async (file: string) => {
      const { api } = apiReturning(readFixture(`responses/errors/${file}`));
      return ((await rejectionOf(api.createPreAuthCode(componentArgs))) as WeChatApiError).errorClass;
    };
    expect(await classOf("42001.community.json")).toBe("refresh");
    expect(await classOf("40001.community.json")).toBe("refresh");
    expect(await classOf("61023.community.json")).toBe("re-authorize");
    expect(await classOf("45009.community.json")).toBe("quota");
    expect(await classOf("61003.community.json")).toBe("re-authorize");
  });

  it("reads the older hint suffix", async () => {
    const { api } = apiReturning(readFixture("responses/errors/61023.easywechat-docs.json"));
    const error = (await rejectionOf(api.createPreAuthCode(componentArgs))) as WeChatApiError;
    expect(error.rid).toBeUndefined();
    expect(error.hint).toBe("zDNUIA07582974");
  });

  it("treats a non-zero errcode as failure even when data fields are present", async () => {
    const { api } = apiReturning(JSON.stringify({ errcode: -1, errmsg: "system error", pre_auth_code: "p", expires_in: 600 }));
    const error = (await rejectionOf(api.createPreAuthCode(componentArgs))) as WeChatApiError;
    expect(error.errcode).toBe(-1);
    expect(error.errorClass).toBe("retry");
  });
});

describe("transport failures", () => {
  it("times out a fetch that never answers, even one that ignores the abort signal", async () => {
    const fetchImpl = (() => new Promise<Response>(() => undefined)) as typeof fetch;
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl, timeoutMs: 30 });
    const started = Date.now();
    const error = (await rejectionOf(api.createPreAuthCode(componentArgs))) as WeChatTransportError;
    expect(error).toBeInstanceOf(WeChatTransportError);
    expect(error.kind).toBe("timeout");
    expect(error.errorClass).toBe("retry");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.message).not.toContain(COMPONENT_TOKEN);
  });

  it("aborts the request signal on timeout", async () => {
    let signal: AbortSignal | undefined;
    const fetchImpl = ((_input: RequestInfo | URL, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
      );
    }) as typeof fetch;
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl, timeoutMs: 20 });
    const error = (await rejectionOf(api.getJsapiTicket({ authorizerAccessToken: AUTHORIZER_TOKEN }))) as WeChatTransportError;
    expect(error.kind).toBe("timeout");
    expect(signal?.aborted).toBe(true);
  });

  it("reports a network error without the URL (it holds the token)", async () => {
    const fetchImpl = (async (input: RequestInfo | URL) => {
      throw new TypeError(`fetch failed for ${String(input)}`, {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      });
    }) as typeof fetch;
    const api = createComponentApi({ apiBase: API_BASE, fetch: fetchImpl });
    const error = (await rejectionOf(api.createPreAuthCode(componentArgs))) as WeChatTransportError;
    expect(error.kind).toBe("network");
    expect(error.errorClass).toBe("retry");
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain(COMPONENT_TOKEN);
    expect(String(error.cause ?? "")).not.toContain(COMPONENT_TOKEN);
  });

  it("5xx is retryable, 4xx is not", async () => {
    const server = (await rejectionOf(
      apiReturning("<html>bad gateway</html>", 502).api.createPreAuthCode(componentArgs),
    )) as WeChatTransportError;
    expect([server.kind, server.status, server.errorClass]).toEqual(["http", 502, "retry"]);
    const client = (await rejectionOf(apiReturning("not found", 404).api.createPreAuthCode(componentArgs))) as WeChatTransportError;
    expect([client.kind, client.status, client.errorClass]).toEqual(["http", 404, "client"]);
  });

  it("a 200 that is not JSON is a retryable transport error", async () => {
    const error = (await rejectionOf(
      apiReturning("<html>maintenance</html>").api.createPreAuthCode(componentArgs),
    )) as WeChatTransportError;
    expect(error).toBeInstanceOf(WeChatTransportError);
    expect([error.kind, error.errorClass]).toEqual(["invalid-json", "retry"]);
  });

  it("JSON of the wrong shape names the field, not its value", async () => {
    const { api } = apiReturning(JSON.stringify({ component_access_token: 12345, expires_in: "soon" }));
    const error = (await rejectionOf(
      api.getComponentToken({ componentAppid: "wx", componentAppsecret: "s", componentVerifyTicket: "t" }),
    )) as WeChatTransportError;
    expect(error.kind).toBe("unexpected-response");
    expect(error.message).toContain("component_access_token");
    expect(error.message).toContain("expires_in");
    expect(error.message).not.toContain("12345");
    const array = (await rejectionOf(apiReturning("[1,2]").api.createPreAuthCode(componentArgs))) as WeChatTransportError;
    expect(array.kind).toBe("unexpected-response");
  });
});
