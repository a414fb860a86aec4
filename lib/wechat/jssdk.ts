// JS-SDK signature for wx.config on an authorizer's pages.
import { createHash, randomBytes } from "node:crypto";

/** sha1("jsapi_ticket=T&noncestr=N&timestamp=S&url=U"); the url is signed without its #fragment. */
export function signJsapi(args: { jsapiTicket: string; nonceStr: string; timestamp: string | number; url: string }): string {
  const hashIndex = args.url.indexOf("#");
  const url = hashIndex === -1 ? args.url : args.url.slice(0, hashIndex);
  const text = `jsapi_ticket=${args.jsapiTicket}&noncestr=${args.nonceStr}&timestamp=${args.timestamp}&url=${url}`;
  return createHash("sha1").update(text, "utf8").digest("hex");
}

export type JsapiConfig = { appId: string; timestamp: number; nonceStr: string; signature: string };

/** The object a page passes to wx.config (plus jsApiList); nonce and timestamp are generated when omitted. */
export function buildJsapiConfig(args: {
  appId: string;
  jsapiTicket: string;
  url: string;
  nonceStr?: string;
  timestamp?: number;
}): JsapiConfig {
  const nonceStr = args.nonceStr ?? randomBytes(12).toString("hex");
  const timestamp = args.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    appId: args.appId,
    timestamp,
    nonceStr,
    signature: signJsapi({ jsapiTicket: args.jsapiTicket, nonceStr, timestamp, url: args.url }),
  };
}
