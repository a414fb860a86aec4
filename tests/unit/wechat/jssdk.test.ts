import { describe, expect, it } from "vitest";
import { buildJsapiConfig, signJsapi } from "@/lib/wechat/jssdk";

// The example from WeChat's JS-SDK documentation (附录1).
const official = {
  jsapiTicket: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
  nonceStr: "Wm3WZYTPz0wzccnW",
  timestamp: 1414587457,
  url: "http://mp.weixin.qq.com?params=value",
};

describe("signJsapi", () => {
  it("reproduces the official documentation example", () => {
    expect(signJsapi(official)).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    expect(signJsapi({ ...official, timestamp: "1414587457" })).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  });

  it("signs the url without its #fragment", () => {
    expect(signJsapi({ ...official, url: `${official.url}#/page?x=1` })).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  });

  it("depends on every input", () => {
    const base = signJsapi(official);
    expect(signJsapi({ ...official, nonceStr: "other" })).not.toBe(base);
    expect(signJsapi({ ...official, timestamp: 1414587458 })).not.toBe(base);
    expect(signJsapi({ ...official, url: "http://mp.weixin.qq.com?params=other" })).not.toBe(base);
    expect(signJsapi({ ...official, jsapiTicket: "x" })).not.toBe(base);
  });
});

describe("buildJsapiConfig", () => {
  it("returns what wx.config needs, signed", () => {
    expect(buildJsapiConfig({ appId: "wx570bc396a51b8ff8", ...official })).toEqual({
      appId: "wx570bc396a51b8ff8",
      timestamp: 1414587457,
      nonceStr: "Wm3WZYTPz0wzccnW",
      signature: "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
    });
  });

  it("generates a nonce and timestamp when omitted, and signs with them", () => {
    const config = buildJsapiConfig({ appId: "wx570bc396a51b8ff8", jsapiTicket: official.jsapiTicket, url: official.url });
    expect(config.nonceStr).toMatch(/^[0-9a-f]{24}$/);
    expect(Math.abs(config.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(config.signature).toBe(
      signJsapi({ jsapiTicket: official.jsapiTicket, nonceStr: config.nonceStr, timestamp: config.timestamp, url: official.url }),
    );
  });
});
