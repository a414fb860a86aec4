// The WeChat API client of this process, pointed at WECHAT_API_BASE (WeChat, or the sandbox). Every
// call is counted by endpoint and errcode, and timed (lib/metrics.ts: memory only).
import { getEnv } from "./env";
import { countWeChatCall } from "./metrics";
import { API_PATHS, createComponentApi, type ComponentApi } from "./wechat/api";

/** The endpoint each method calls: the metrics label, named once per method, checked by the compiler. */
const ENDPOINT_OF = {
  startPushTicket: API_PATHS.startPushTicket,
  getComponentToken: API_PATHS.componentToken,
  createPreAuthCode: API_PATHS.createPreAuthCode,
  queryAuth: API_PATHS.queryAuth,
  getAuthorizerToken: API_PATHS.authorizerToken,
  getAuthorizerInfo: API_PATHS.authorizerInfo,
  getAuthorizerList: API_PATHS.authorizerList,
  getAuthorizerOption: API_PATHS.getAuthorizerOption,
  setAuthorizerOption: API_PATHS.setAuthorizerOption,
  clearQuota: API_PATHS.clearQuota,
  getJsapiTicket: API_PATHS.jsapiTicket,
  sendCustomMessage: API_PATHS.customSend,
} as const satisfies Record<keyof ComponentApi, string>;

/** `api` with each method counted into portal_wechat_calls_total and timed. */
export function instrumentApi(api: ComponentApi): ComponentApi {
  const counted = {} as Record<keyof ComponentApi, unknown>;
  for (const name of Object.keys(ENDPOINT_OF) as (keyof ComponentApi)[]) {
    const method = api[name] as (...args: unknown[]) => Promise<unknown>;
    const endpoint = ENDPOINT_OF[name];
    counted[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        const result = await method(...args);
        countWeChatCall(endpoint, (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        countWeChatCall(endpoint, (performance.now() - started) / 1000, error);
        throw error;
      }
    };
  }
  return counted as ComponentApi;
}

const holder = globalThis as unknown as { __portalWechatApi?: ComponentApi };

export function wechatApi(): ComponentApi {
  holder.__portalWechatApi ??= instrumentApi(createComponentApi({ apiBase: getEnv().wechat.apiBase, timeoutMs: 10_000 }));
  return holder.__portalWechatApi;
}
