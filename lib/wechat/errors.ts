// WeChat API errors: what an errcode means for the caller (retry, refresh, re-authorize, fix config,
// wait for quota, fix the request) and what a human should do about it.
import { hasBrand } from "../brand";

export type ErrorClass = "retry" | "refresh" | "re-authorize" | "configuration" | "quota" | "client";

export type ErrcodeClassification = {
  class: ErrorClass;
  /** What a human should do, in English. */
  action: string;
  /** The same advice in Chinese, for the console. */
  actionZh: string;
};

const CLASSIFICATIONS: Readonly<Record<number, ErrcodeClassification>> = {
  [-1]: {
    class: "retry",
    action: "WeChat is busy; retry after a short delay.",
    actionZh: "微信系统繁忙，稍后重试。",
  },
  40001: {
    class: "refresh",
    action:
      "The access token is invalid or not the latest: refresh it once, then retry once. If it persists, check the AppSecret and that no other system refreshes the same token.",
    actionZh: "access_token 无效或不是最新：刷新一次后重试一次；仍失败请核对 AppSecret，并确认没有其他系统在刷新同一个令牌。",
  },
  40014: {
    class: "refresh",
    action: "The access token is not valid: refresh it once, then retry once.",
    actionZh: "access_token 不合法：刷新一次后重试一次。",
  },
  42001: {
    class: "refresh",
    action: "The access token expired: refresh it once, then retry once.",
    actionZh: "access_token 已过期：刷新一次后重试一次。",
  },
  42006: {
    class: "refresh",
    action: "The component_access_token expired: request a new one with the latest ticket, then retry once.",
    actionZh: "component_access_token 已过期：用最新的 ticket 重新获取后重试一次。",
  },
  61003: {
    class: "re-authorize",
    action: "The account has revoked the authorization (or never granted it): ask the merchant to authorize again.",
    actionZh: "该账号已取消授权（或从未授权）：请商家重新授权。",
  },
  61004: {
    class: "configuration",
    action: "The server's outbound IP is not in the component's IP whitelist: add it in the Open Platform console (开发配置).",
    actionZh: "服务器出口 IP 不在第三方平台的白名单中：请在开放平台「开发配置」中添加。",
  },
  61005: {
    class: "configuration",
    action: "The component_verify_ticket expired: check that the event URL receives pushes, then call api_start_push_ticket.",
    actionZh: "component_verify_ticket 已过期：检查授权事件接收URL能否收到推送，然后调用 api_start_push_ticket。",
  },
  61006: {
    class: "configuration",
    action: "The component_verify_ticket is invalid: use the newest pushed ticket for this component, or call api_start_push_ticket.",
    actionZh: "component_verify_ticket 无效：使用本平台最新推送的 ticket，或调用 api_start_push_ticket。",
  },
  61007: {
    class: "re-authorize",
    action:
      "This API is not authorized to the component: the account did not grant the permission set it needs. Ask the merchant to re-authorize with it, and check the component's permission sets.",
    actionZh: "该接口未授权给第三方平台：账号未授予所需权限集。请商家重新授权并勾选该权限集，同时检查平台的权限集配置。",
  },
  61009: {
    class: "re-authorize",
    action: "The authorization code is invalid (already used or not for this component): start a new authorization.",
    actionZh: "授权码无效（已使用或不属于本平台）：请重新发起授权。",
  },
  61010: {
    class: "re-authorize",
    action: "The authorization code expired before it was exchanged: start a new authorization.",
    actionZh: "授权码已过期：请重新发起授权。",
  },
  61011: {
    class: "configuration",
    action: "The component is invalid: check the component appid and that the platform is approved.",
    actionZh: "第三方平台无效：请检查 component_appid 以及平台是否已审核通过。",
  },
  61023: {
    class: "re-authorize",
    action: "The authorizer_refresh_token is invalid: fetch it again with api_get_authorizer_info, or ask the merchant to authorize again.",
    actionZh: "authorizer_refresh_token 无效：可通过 api_get_authorizer_info 重新获取，否则请商家重新授权。",
  },
  61024: {
    class: "client",
    action: "This call needs a component_access_token from api_component_token: fix the token passed by the code.",
    actionZh: "该接口须使用 api_component_token 获取的 component_access_token：请修正代码传入的令牌。",
  },
  45009: {
    class: "quota",
    action:
      "The daily call quota is used up: wait until it resets at midnight (Beijing time) or reset it with clear_quota (10 times a month).",
    actionZh: "接口调用已达当日上限：等待北京时间零点重置，或调用 clear_quota 清零（每月 10 次）。",
  },
  45011: {
    class: "quota",
    action: "The per-minute frequency limit was hit: slow down and retry later.",
    actionZh: "接口调用频率超限：降低频率，稍后重试。",
  },
  48001: {
    class: "configuration",
    action: "The account is not authorized for this API (missing permission or verification): check the account's permissions.",
    actionZh: "账号没有该接口权限（缺少权限或未认证）：请检查账号权限。",
  },
  40164: {
    class: "configuration",
    action: "The calling IP is not in the whitelist: add the server's outbound IP in the WeChat console.",
    actionZh: "调用 IP 不在白名单中：请在微信后台添加服务器出口 IP。",
  },
  40013: {
    class: "configuration",
    action: "The appid is invalid: check the configured appid.",
    actionZh: "appid 无效：请检查配置的 appid。",
  },
  40125: {
    class: "configuration",
    action: "The AppSecret is invalid: check the configured component AppSecret (it changes when reset in the console).",
    actionZh: "AppSecret 无效：请检查配置的第三方平台 AppSecret（在后台重置后会变化）。",
  },
  41004: {
    class: "configuration",
    action: "The AppSecret is missing: configure the component AppSecret.",
    actionZh: "缺少 AppSecret：请配置第三方平台 AppSecret。",
  },
  47001: {
    class: "client",
    action: "WeChat could not parse the request body: fix the request format.",
    actionZh: "请求内容格式错误：请修正请求格式。",
  },
};

const UNKNOWN_CLASSIFICATION = (errcode: number): ErrcodeClassification => ({
  // Retrying an unknown error blindly could burn quota; surface it instead.
  class: "client",
  action: `Unrecognised errcode ${errcode}: look it up in WeChat's global return codes and check the request.`,
  actionZh: `未识别的错误码 ${errcode}：请在微信全局返回码说明中查询并检查请求。`,
});

export function classifyErrcode(errcode: number): ErrcodeClassification {
  return CLASSIFICATIONS[errcode] ?? UNKNOWN_CLASSIFICATION(errcode);
}

/** The errcodes with a specific classification, for documentation and tests. */
export const CLASSIFIED_ERRCODES: readonly number[] = Object.keys(CLASSIFICATIONS).map(Number);

/** Splits WeChat's " rid: ..." (current) or " hint: [...]" (older) suffix off an errmsg. */
export function parseErrmsg(errmsg: string): { message: string; rid?: string; hint?: string } {
  const rid = /\s*rid:\s*([0-9A-Za-z-]+)\s*$/.exec(errmsg);
  if (rid?.[1] !== undefined) return { message: errmsg.slice(0, rid.index).trim(), rid: rid[1] };
  const hint = /\s*hint:\s*\[([^\]]*)\]\s*$/.exec(errmsg);
  if (hint?.[1] !== undefined) return { message: errmsg.slice(0, hint.index).trim(), hint: hint[1] };
  return { message: errmsg.trim() };
}

// Branded (lib/brand.ts): the API client is shared through globalThis, so the error may come from
// another server bundle's copy of these classes.
const API_ERROR = Symbol.for("component-portal.WeChatApiError");
const TRANSPORT_ERROR = Symbol.for("component-portal.WeChatTransportError");

/** A response with a non-zero errcode. `endpoint` is the path only: the query holds tokens. */
export class WeChatApiError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, API_ERROR);
  }
  readonly [API_ERROR] = true;
  readonly errcode: number;
  readonly errmsg: string;
  readonly rid: string | undefined;
  readonly hint: string | undefined;
  readonly endpoint: string;
  readonly classification: ErrcodeClassification;

  constructor(args: { errcode: number; errmsg: string; endpoint: string }) {
    const parsed = parseErrmsg(args.errmsg);
    super(`WeChat ${args.endpoint} failed with errcode ${args.errcode}: ${parsed.message}${parsed.rid ? ` (rid ${parsed.rid})` : ""}`);
    this.name = "WeChatApiError";
    this.errcode = args.errcode;
    this.errmsg = args.errmsg;
    this.rid = parsed.rid;
    this.hint = parsed.hint;
    this.endpoint = args.endpoint;
    this.classification = classifyErrcode(args.errcode);
  }

  get errorClass(): ErrorClass {
    return this.classification.class;
  }
}

export type TransportFailure = "network" | "timeout" | "http" | "invalid-json" | "unexpected-response";

/**
 * The call did not produce a usable WeChat answer: network failure, timeout, HTTP error, a body that
 * is not JSON, or JSON of an unexpected shape. Transient ones are class 'retry'.
 */
export class WeChatTransportError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, TRANSPORT_ERROR);
  }
  readonly [TRANSPORT_ERROR] = true;
  readonly kind: TransportFailure;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly errorClass: ErrorClass;

  constructor(args: { kind: TransportFailure; endpoint: string; message: string; status?: number; cause?: unknown }) {
    super(`WeChat ${args.endpoint}: ${args.message}`, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = "WeChatTransportError";
    this.kind = args.kind;
    this.endpoint = args.endpoint;
    this.status = args.status;
    this.errorClass = transportClass(args.kind, args.status);
  }
}

function transportClass(kind: TransportFailure, status: number | undefined): ErrorClass {
  if (kind === "unexpected-response") return "client";
  if (kind === "http" && status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return "client";
  return "retry";
}

/** The class of any error thrown by the API client, for callers that only need the decision. */
export function errorClassOf(error: unknown): ErrorClass | undefined {
  if (error instanceof WeChatApiError) return error.classification.class;
  if (error instanceof WeChatTransportError) return error.errorClass;
  return undefined;
}
