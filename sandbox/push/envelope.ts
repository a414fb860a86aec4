// WeChat's wire format for what it sends: plaintext XML the way WeChat writes it (strings in CDATA,
// numbers bare, one field per line), sealed into the encrypted envelope with the signed query string.
import { randomInt } from "node:crypto";
import { computePlainSignature } from "../../lib/wechat/crypto";
import { unixNow } from "../core/clock";
import type { SandboxContext } from "../core/context";

/** Strings go in CDATA; numbers and bigints (64-bit MsgIds) are written bare, as WeChat does. */
export type XmlValue = string | number | bigint | XmlFields;
export type XmlFields = { [name: string]: XmlValue };

function escapeCdata(text: string): string {
  // `]]>` cannot live inside CDATA: split it across two sections, as every XML writer does.
  return text.replace(/]]>/g, "]]]]><![CDATA[>");
}

function renderValue(value: XmlValue): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return `<![CDATA[${escapeCdata(value)}]]>`;
  return Object.entries(value)
    .map(([name, child]) => `<${name}>${renderValue(child)}</${name}>`)
    .join("");
}

/** `<xml><AppId><![CDATA[…]]></AppId>\n<CreateTime>…</CreateTime>\n…</xml>`, as in WeChat's real ticket pushes. */
export function buildWeChatXml(fields: XmlFields): string {
  const lines = Object.entries(fields).map(([name, value]) => `<${name}>${renderValue(value)}</${name}>`);
  return `<xml>${lines.join("\n")}\n</xml>`;
}

export type SealedRequest = {
  query: { signature: string; timestamp: string; nonce: string; encrypt_type: "aes"; msg_signature: string; openid?: string };
  body: string;
  plaintext: string;
};

function createNonce(): string {
  return String(randomInt(100_000_000, 2_147_483_647));
}

/**
 * Encrypts `plaintext` for the component and wraps it: `<xml><AppId/><Encrypt/></xml>` for pushes to the
 * event URL, `<xml><ToUserName/><Encrypt/></xml>` for an authorizer's messages.
 */
export function sealForReceiver(
  ctx: SandboxContext,
  args: { plaintext: string; envelope: { AppId: string } | { ToUserName: string }; openid?: string },
): SealedRequest {
  const timestamp = String(unixNow());
  const nonce = createNonce();
  const { encrypt, msgSignature } = ctx.crypto.seal({ plaintext: args.plaintext, timestamp, nonce });
  const [headName, headValue] = Object.entries(args.envelope)[0] ?? ["AppId", ctx.config.component.appid];
  const body = `<xml>\n    <${headName}><![CDATA[${headValue}]]></${headName}>\n    <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n</xml>`;
  const signature = computePlainSignature({ token: ctx.config.component.token, timestamp, nonce });
  return {
    query: {
      signature,
      timestamp,
      nonce,
      ...(args.openid ? { openid: args.openid } : {}),
      encrypt_type: "aes",
      msg_signature: msgSignature,
    },
    body,
    plaintext: args.plaintext,
  };
}

export function withQuery(url: string, query: Record<string, string>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  return target.toString();
}
