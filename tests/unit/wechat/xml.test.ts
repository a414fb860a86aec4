import { describe, expect, it } from "vitest";
import { WeChatCryptoError } from "@/lib/wechat/crypto";
import { WeChatXmlError, buildXml, parseXml } from "@/lib/wechat/xml";

function xmlErrorOf(text: string): WeChatXmlError {
  try {
    parseXml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatXmlError);
    expect(error).toBeInstanceOf(WeChatCryptoError);
    expect((error as WeChatXmlError).code).toBe(-40002);
    return error as WeChatXmlError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseXml refuses", () => {
  it("a DOCTYPE with an internal entity (billion laughs)", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><a>&lol2;</a></xml>`;
    expect(xmlErrorOf(bomb).message).toMatch(/DOCTYPE/);
  });

  it("an external entity (XXE)", () => {
    xmlErrorOf(`<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>`);
  });

  it("a lower-case doctype and a bare ENTITY declaration", () => {
    xmlErrorOf(`<!doctype xml><xml><a>1</a></xml>`);
    xmlErrorOf(`<xml><!ENTITY e "x"><a>1</a></xml>`);
  });

  it("malformed XML", () => {
    xmlErrorOf("<xml><a>1</b></xml>");
    xmlErrorOf("<xml><a>1</a>");
    xmlErrorOf("<xml><a>1</a><xml>");
    xmlErrorOf("success");
    xmlErrorOf("");
    xmlErrorOf("   ");
  });

  it("a root other than <xml>, and several roots", () => {
    expect(xmlErrorOf("<root><a>1</a></root>").message).toContain("root");
    xmlErrorOf("<xml><a>1</a></xml><xml><a>2</a></xml>");
    xmlErrorOf("<xml><a>1</a></xml><other/>");
  });

  it("text directly under the root", () => {
    xmlErrorOf("<xml>just text</xml>");
  });
});

describe("parseXml values", () => {
  it("keeps numbers, leading zeros and 64-bit ids as strings", () => {
    const fields = parseXml(
      "<xml><CreateTime>1409659813</CreateTime><MsgId>6074746557628292943</MsgId><Code>007</Code><Appid><![CDATA[wx0123456789abcdef]]></Appid><Flag>true</Flag></xml>",
    );
    expect(fields).toEqual({
      CreateTime: "1409659813",
      MsgId: "6074746557628292943",
      Code: "007",
      Appid: "wx0123456789abcdef",
      Flag: "true",
    });
  });

  it("unwraps CDATA verbatim (whitespace and markup inside kept) and trims plain text", () => {
    const fields = parseXml(
      "<xml>\n  <Content><![CDATA[  hello <b>world</b>\n]]></Content>\n  <CreateTime>1413192605 </CreateTime>\n  <Empty></Empty><Self/>\n</xml>",
    );
    expect(fields).toEqual({ Content: "  hello <b>world</b>\n", CreateTime: "1413192605", Empty: "", Self: "" });
  });

  it("allows the word DOCTYPE inside CDATA (user text), without expanding anything", () => {
    expect(parseXml("<xml><Content><![CDATA[<!DOCTYPE html> &amp;]]></Content></xml>")).toEqual({ Content: "<!DOCTYPE html> &amp;" });
  });

  it("decodes the five predefined entities and numeric references in plain text only", () => {
    expect(parseXml("<xml><A>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#20013;&#x6587;</A></xml>")).toEqual({
      A: `a <b> & "c" 'd' 中文`,
    });
  });

  it("returns nested elements as objects and repeated elements as arrays", () => {
    const fields = parseXml(
      "<xml><ArticleCount>2</ArticleCount><Articles><item><Title><![CDATA[a]]></Title></item><item><Title><![CDATA[b]]></Title></item></Articles><info> <name><![CDATA[n]]></name> </info></xml>",
    );
    expect(fields).toEqual({ ArticleCount: "2", Articles: { item: [{ Title: "a" }, { Title: "b" }] }, info: { name: "n" } });
  });

  it("ignores the XML declaration and attributes", () => {
    expect(parseXml(`<?xml version="1.0" encoding="utf-8"?>\n<xml><A attr="x">1</A></xml>\n`)).toEqual({ A: "1" });
  });

  it("returns an empty object for an empty root", () => {
    expect(parseXml("<xml></xml>")).toEqual({});
  });
});

describe("buildXml", () => {
  it("puts strings in CDATA and numbers bare, in field order", () => {
    expect(buildXml({ ToUserName: "gh_1", CreateTime: 1700000000, MsgType: "text" })).toBe(
      "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType></xml>",
    );
  });

  it("round-trips awkward strings through parseXml, ]]> included", () => {
    const values = ["a]]>b", "]]>", "]]>]]>", "<xml>&amp;</xml>", "中文 🎉", "  padded  ", "", "line\nbreak"];
    for (const value of values) {
      const xml = buildXml({ Content: value });
      expect(parseXml(xml)).toEqual({ Content: value });
    }
    // The terminator never appears unsplit inside a section.
    expect(buildXml({ Content: "a]]>b" })).toBe("<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>");
  });

  it("refuses element names that would inject markup, and non-finite numbers", () => {
    expect(() => buildXml({ "a><b": "x" })).toThrow(WeChatXmlError);
    expect(() => buildXml({ "": "x" })).toThrow(WeChatXmlError);
    expect(() => buildXml({ Count: Number.NaN })).toThrow(WeChatXmlError);
  });
});
