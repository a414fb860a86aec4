// The WeChat API client of this process, pointed at WECHAT_API_BASE (WeChat, or the sandbox).
import { getEnv } from "./env";
import { createComponentApi, type ComponentApi } from "./wechat/api";

const holder = globalThis as unknown as { __portalWechatApi?: ComponentApi };

export function wechatApi(): ComponentApi {
  holder.__portalWechatApi ??= createComponentApi({ apiBase: getEnv().wechat.apiBase, timeoutMs: 10_000 });
  return holder.__portalWechatApi;
}
