// Cross-check against node-webot's independent implementation (the `wechat-crypto` devDependency):
// what we seal, it opens; what it encrypts, we open.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { MessageCrypto, WeChatCryptoError } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { loadVectors, required } from "./fixtures";

type PeerCrypto = {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  encrypt(text: string): string;
  decrypt(text: string): { message: string; id: string };
};
type PeerConstructor = new (token: string, encodingAesKey: string, id: string) => PeerCrypto;

const require = createRequire(import.meta.url);
const WXBizMsgCrypt = require("wechat-crypto") as PeerConstructor;

const configs = [
  { token: DEMO_COMPONENT.token, encodingAesKey: DEMO_COMPONENT.encodingAesKey, appid: DEMO_COMPONENT.appid },
  // The component vectors' own configurations.
  ...loadVectors()
    .filter((vector) => vector.scope === "component" && vector.kind === "decrypt")
    .map((vector) => ({
      token: vector.token,
      encodingAesKey: required(vector.encoding_aes_key, "key"),
      appid: required(vector.appid, "appid"),
    })),
];

const messages = [
  "<xml><AppId><![CDATA[wxe940405705046cf5]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>",
  "中文消息 with emoji 🎉",
  "x".repeat(1000),
];

describe("interop with wechat-crypto (node-webot)", () => {
  it("covers more than one configuration", () => {
    expect(configs.length).toBeGreaterThan(1);
  });

  it.each(configs.map((config) => [config.appid, config] as const))(
    "%s: our seal() opens with the peer, signature included",
    (_appid, config) => {
      const ours = new MessageCrypto(config);
      const peer = new WXBizMsgCrypt(config.token, config.encodingAesKey, config.appid);
      for (const plaintext of messages) {
        const sealed = ours.seal({ plaintext, timestamp: "1700000000", nonce: "123456" });
        expect(peer.getSignature("1700000000", "123456", sealed.encrypt)).toBe(sealed.msgSignature);
        expect(peer.decrypt(sealed.encrypt)).toEqual({ message: plaintext, id: config.appid });
      }
    },
  );

  it.each(configs.map((config) => [config.appid, config] as const))("%s: the peer's encrypt() opens with ours", (_appid, config) => {
    const ours = new MessageCrypto(config);
    const peer = new WXBizMsgCrypt(config.token, config.encodingAesKey, config.appid);
    for (const plaintext of messages) {
      const encrypt = peer.encrypt(plaintext);
      const msgSignature = peer.getSignature("1700000000", "654321", encrypt);
      expect(ours.decryptVerified({ msgSignature, timestamp: "1700000000", nonce: "654321", encrypt })).toBe(plaintext);
    }
  });

  it("a peer configured for another appid produces ciphertext we refuse with -40005", () => {
    const config = configs[0];
    if (config === undefined) throw new Error("no config");
    const peer = new WXBizMsgCrypt(config.token, config.encodingAesKey, "wx9999999999999999");
    const encrypt = peer.encrypt("hello");
    expect(() => new MessageCrypto(config).decrypt(encrypt)).toThrow(WeChatCryptoError);
    try {
      new MessageCrypto(config).decrypt(encrypt);
    } catch (error) {
      expect((error as WeChatCryptoError).code).toBe(-40005);
    }
  });
});
