// WeChat's error codes with WeChat's own English errmsg, as the real API returns them
// (see tests/fixtures/wechat-vectors/responses). Clients must match on errcode; the text is for humans.
import { randomBytes } from "node:crypto";

export const WECHAT_ERRORS = {
  [-1]: "system error",
  40001: "invalid credential, access_token is invalid or not latest",
  40003: "invalid openid",
  40008: "invalid message type",
  40013: "invalid appid",
  40097: "invalid args",
  40125: "invalid appsecret",
  41001: "access_token missing",
  41002: "appid missing",
  41004: "appsecret missing",
  42001: "access_token expired",
  44002: "empty post data",
  45009: "reach max api daily quota limit",
  47001: "data format error",
  48006: "forbid to clear quota because of reaching the limit",
  61003: "component is not authorized by this account",
  61005: "component ticket is expired",
  61006: "component ticket is invalid",
  61007: "api is unauthorized to component",
  61009: "code is invalid",
  61010: "code is expired",
  61011: "invalid component",
  61023: "refresh_token is invalid",
} as const;

export type WeChatErrcode = keyof typeof WECHAT_ERRORS;

export type WeChatErrorBody = { errcode: number; errmsg: string };

/** WeChat's request id: hex unix time, then two random words (e.g. `66c669e3-210a005b-256a5f92`). */
export function createRid(): string {
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, "0");
  return `${time}-${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}`;
}

export function wechatError(errcode: WeChatErrcode, detail?: string): WeChatErrorBody {
  const text = detail ? `${WECHAT_ERRORS[errcode]} ${detail}` : WECHAT_ERRORS[errcode];
  return { errcode, errmsg: `${text} rid: ${createRid()}` };
}

/**
 * Thrown by the sandbox's API handlers to answer with an errcode, as WeChat would; the router turns
 * it into WeChat's JSON (always HTTP 200, like WeChat). The other side of the portal's
 * WeChatApiError (lib/wechat/errors.ts), which its client throws on receiving such an answer.
 */
export class ErrcodeReply extends Error {
  readonly errcode: WeChatErrcode;

  constructor(errcode: WeChatErrcode, detail?: string) {
    super(`${errcode} ${WECHAT_ERRORS[errcode]}${detail ? ` ${detail}` : ""}`);
    this.name = "ErrcodeReply";
    this.errcode = errcode;
  }

  toBody(): WeChatErrorBody {
    return wechatError(this.errcode);
  }
}

export const OK_BODY = { errcode: 0, errmsg: "ok" } as const;
