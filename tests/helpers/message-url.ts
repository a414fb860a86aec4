// WeChat's side of the message URL in tests: the demo component's crypto, and opening an encrypted
// passive reply the way WeChat does (signature, appid, then the XML).
import { MessageCrypto } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { parseXml } from "@/lib/wechat/xml";

export const demoCrypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

/** The plaintext fields of an encrypted reply `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`. */
export function openReply(text: string, crypto: MessageCrypto = demoCrypto): Record<string, unknown> {
  const envelope = parseXml(text) as Record<string, string>;
  const plaintext = crypto.decryptVerified({
    msgSignature: envelope.MsgSignature!,
    timestamp: envelope.TimeStamp!,
    nonce: envelope.Nonce!,
    encrypt: envelope.Encrypt!,
  });
  return parseXml(plaintext);
}
