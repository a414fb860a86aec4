// The traffic of bench/ingress.ts, as WeChat sends it to a component with 1,000 authorizers: about
// 90% authorizer messages and events on the message URL (text, subscribe, CLICK, LOCATION), 9%
// authorization events on the event URL (unauthorized: stored, then applied after the answer, with
// no WeChat call), 1% component_verify_ticket. Every request is distinct (nothing deduplicated away).
import { MessageCrypto } from "../lib/wechat/crypto";
import { buildXml } from "../lib/wechat/xml";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";

export const AUTHORIZERS = 1_000;
export const authorizerAppid = (n: number) => `wx${(0xb0000000000000n + BigInt(n)).toString(16).padStart(16, "0")}`;

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

export type Kind = "message" | "authorization" | "ticket";
export type Request = { kind: Kind; path: string; body: string; msgId?: string };

function sealed(xml: string, i: number, envelope: Record<string, string>) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(1_000_000 + i);
  const { encrypt, msgSignature } = crypto.seal({ plaintext: xml, timestamp, nonce });
  const query = new URLSearchParams({ signature: "x", timestamp, nonce, encrypt_type: "aes", msg_signature: msgSignature });
  const fields = Object.entries(envelope)
    .map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`)
    .join("");
  return { query: query.toString(), body: `<xml>${fields}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` };
}

/** "realistic": the mix above; "messages": the message URL only (what the ingress costs without the pushes' processing). */
export type Mix = "realistic" | "messages";

export function kindOf(i: number, mix: Mix): Kind {
  if (mix === "messages") return "message";
  const slot = i % 100;
  return slot < 90 ? "message" : slot < 99 ? "authorization" : "ticket";
}

/** Request `i` of run `run` (runs differ so two runs in one database never collide). */
export function buildRequest(i: number, run: number, mix: Mix = "realistic"): Request {
  const kind = kindOf(i, mix);
  const createTime = 1_800_000_000 + run * 10_000_000 + i;
  const appid = authorizerAppid(i % AUTHORIZERS);
  if (kind === "message") {
    const user = `o_ingress_${run}_${i % 5_000}`;
    const variant = i % 10;
    const toUser = `gh_${appid.slice(2, 14)}`;
    const base = { ToUserName: toUser, FromUserName: user, CreateTime: createTime };
    const msgId = String(8_000_000_000_000_000_000n + BigInt(run) * 100_000_000n + BigInt(i));
    const xml =
      variant < 7
        ? buildXml({ ...base, MsgType: "text", Content: `hello ${i}`, MsgId: msgId })
        : variant === 7
          ? buildXml({ ...base, MsgType: "event", Event: "subscribe", EventKey: "" })
          : variant === 8
            ? buildXml({ ...base, MsgType: "event", Event: "CLICK", EventKey: "MENU_1" })
            : buildXml({ ...base, MsgType: "event", Event: "LOCATION", Latitude: "23.1", Longitude: "113.3", Precision: "30" });
    const { query, body } = sealed(xml, i, { ToUserName: toUser });
    return { kind, path: `/api/wechat/messages/${appid}?${query}`, body, ...(variant < 7 ? { msgId } : {}) };
  }
  const xml =
    kind === "authorization"
      ? buildXml({ AppId: DEMO_COMPONENT.appid, CreateTime: createTime, InfoType: "unauthorized", AuthorizerAppid: appid })
      : buildXml({
          AppId: DEMO_COMPONENT.appid,
          CreateTime: createTime,
          InfoType: "component_verify_ticket",
          ComponentVerifyTicket: `ticket@@@${run}-${i}`,
        });
  const { query, body } = sealed(xml, i, { AppId: DEMO_COMPONENT.appid });
  return { kind, path: `/api/wechat/component/events?${query}`, body };
}
