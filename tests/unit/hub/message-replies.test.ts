// Passive replies a synchronous route may answer (JSON or WeChat's XML), how they become the reply
// XML WeChat gets, and the keys that recognise WeChat's retries of a message.
import { describe, expect, it } from "vitest";
import { messageDedupeKey, messageEventData } from "@/lib/messages/forward";
import { readEndpointReply } from "@/lib/messages/reply";
import { buildPassiveReply, parseAuthorizerMessage, parsePassiveReplyXml, type PassiveReply } from "@/lib/wechat/authorizer-message";
import { buildXml, parseXml } from "@/lib/wechat/xml";

const FAN = "ozy4qt5QUADNXORxCVipKMV9dss0";
const ACCOUNT = "gh_abcdef123456";
const to = { toUser: FAN, fromUser: ACCOUNT, createTime: 1_700_000_100 };

const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: "application/json; charset=utf-8" });
const xml = (body: string) => ({ body, contentType: "text/xml" });

describe("readEndpointReply", () => {
  it("reads nothing from an empty body, `success`, {reply: null} or JSON without a reply", () => {
    for (const answer of [
      { body: "", contentType: null },
      { body: "  \n", contentType: "text/plain" },
      { body: "success", contentType: "text/plain" },
      { body: "success", contentType: "application/json" },
      json({ reply: null }),
      json({ ok: true }),
    ]) {
      expect(readEndpointReply(answer), JSON.stringify(answer)).toEqual({ kind: "none" });
    }
  });

  it("reads every JSON reply type", () => {
    const replies: PassiveReply[] = [
      { type: "text", content: "你好" },
      { type: "image", media_id: "m1" },
      { type: "voice", media_id: "m2" },
      { type: "video", media_id: "m3", title: "t", description: "d" },
      { type: "music", title: "t", music_url: "https://x.test/a.mp3", hq_music_url: "https://x.test/hq.mp3", thumb_media_id: "m4" },
      { type: "news", articles: [{ title: "a", description: "b", pic_url: "https://x.test/p.png", url: "https://x.test/" }] },
      { type: "transfer_customer_service", kf_account: "kf2001@gh_abcdef123456" },
    ];
    for (const reply of replies) expect(readEndpointReply(json({ reply }))).toEqual({ kind: "reply", reply });
  });

  it("refuses JSON that is not a reply, naming the field", () => {
    const cases: [unknown, RegExp][] = [
      [{ reply: { type: "text" } }, /content/],
      [{ reply: { type: "text", content: "" } }, /content/],
      [{ reply: { type: "sticker", media_id: "m" } }, /type/],
      [{ reply: { type: "image", media_id: "m", mediaId: "typo" } }, /mediaId/],
      [{ reply: { type: "news", articles: [] } }, /articles/],
      [{ reply: { type: "news", articles: Array.from({ length: 9 }, (_, i) => ({ title: `a${i}` })) } }, /articles/],
      [{ reply: "hello" }, /reply/],
      [[{ reply: null }], /not an object/],
    ];
    for (const [value, reason] of cases) {
      const answer = readEndpointReply(json(value));
      expect(answer.kind, JSON.stringify(value)).toBe("invalid");
      expect(answer).toMatchObject({ reason: expect.stringMatching(reason) });
    }
    expect(readEndpointReply({ body: "{not json", contentType: "application/json" })).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/not valid JSON/),
    });
  });

  it("reads WeChat's reply XML, with or without the addressing fields", () => {
    expect(
      readEndpointReply(xml("<xml><ToUserName>x</ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>")),
    ).toEqual({ kind: "reply", reply: { type: "text", content: "hi" } });
    expect(
      readEndpointReply({
        body: "<xml><MsgType>image</MsgType><Image><MediaId>m1</MediaId></Image></xml>",
        contentType: "application/xml",
      }),
    ).toEqual({ kind: "reply", reply: { type: "image", media_id: "m1" } });
    const news = `<xml><MsgType>news</MsgType><ArticleCount>2</ArticleCount><Articles>
      <item><Title>a</Title><Url>https://x.test/a</Url></item><item><Title>b</Title><PicUrl>https://x.test/b.png</PicUrl></item>
    </Articles></xml>`;
    expect(readEndpointReply(xml(news))).toEqual({
      kind: "reply",
      reply: {
        type: "news",
        articles: [
          { title: "a", url: "https://x.test/a" },
          { title: "b", pic_url: "https://x.test/b.png" },
        ],
      },
    });
  });

  it("sniffs XML or JSON when the content type says neither, and refuses other text", () => {
    expect(
      readEndpointReply({ body: "<xml><MsgType>voice</MsgType><Voice><MediaId>v</MediaId></Voice></xml>", contentType: null }),
    ).toEqual({
      kind: "reply",
      reply: { type: "voice", media_id: "v" },
    });
    expect(readEndpointReply({ body: '{"reply":{"type":"text","content":"x"}}', contentType: "text/plain" })).toEqual({
      kind: "reply",
      reply: { type: "text", content: "x" },
    });
    expect(readEndpointReply({ body: "thanks!", contentType: "text/plain" })).toMatchObject({ kind: "invalid", reason: /not a reply/ });
    expect(readEndpointReply({ body: "<html></html>", contentType: "text/html" })).toMatchObject({ kind: "invalid" });
  });

  it("refuses XML that is not a reply", () => {
    for (const [body, reason] of [
      ["<xml><Content>hi</Content></xml>", /MsgType/],
      ["<xml><MsgType>image</MsgType></xml>", /media_id/],
      ["<xml><MsgType>location</MsgType></xml>", /type/],
      ["<xml><MsgType>text</MsgType><Content>unclosed</xml>", /malformed XML/],
      ['<!DOCTYPE x [<!ENTITY e "boom">]><xml><MsgType>text</MsgType><Content>&e;</Content></xml>', /DOCTYPE/],
    ] as const) {
      expect(readEndpointReply(xml(body)), body).toMatchObject({ kind: "invalid", reason: expect.stringMatching(reason) });
    }
  });
});

describe("buildPassiveReply", () => {
  it("addresses the reply to the sender from the account, whatever the endpoint's XML said", () => {
    const reply = parsePassiveReplyXml(
      "<xml><ToUserName>someone_else</ToUserName><FromUserName>gh_other</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>",
    );
    expect(parseXml(buildPassiveReply(reply, to))).toEqual({
      ToUserName: FAN,
      FromUserName: ACCOUNT,
      CreateTime: "1700000100",
      MsgType: "text",
      Content: "hi",
    });
  });

  it("nests media, music and news as WeChat documents them, and text with ]]> round-trips", () => {
    expect(parseXml(buildPassiveReply({ type: "image", media_id: "m1" }, to))).toMatchObject({
      MsgType: "image",
      Image: { MediaId: "m1" },
    });
    expect(parseXml(buildPassiveReply({ type: "video", media_id: "m3", title: "t" }, to))).toMatchObject({
      Video: { MediaId: "m3", Title: "t" },
    });
    expect(parseXml(buildPassiveReply({ type: "music", thumb_media_id: "m4", hq_music_url: "https://x.test/hq" }, to))).toMatchObject({
      Music: { ThumbMediaId: "m4", HQMusicUrl: "https://x.test/hq" },
    });
    const news = parseXml(buildPassiveReply({ type: "news", articles: [{ title: "a" }, { title: "b", url: "https://x.test/" }] }, to));
    expect(news).toMatchObject({ ArticleCount: "2", Articles: { item: [{ Title: "a" }, { Title: "b", Url: "https://x.test/" }] } });
    const tricky = "a ]]> b <xml> & c";
    expect(parseXml(buildPassiveReply({ type: "text", content: tricky }, to))).toMatchObject({ Content: tricky });
    expect(parseXml(buildPassiveReply({ type: "transfer_customer_service" }, to))).toEqual({
      ToUserName: FAN,
      FromUserName: ACCOUNT,
      CreateTime: "1700000100",
      MsgType: "transfer_customer_service",
    });
  });

  it("round-trips every reply type through its own XML", () => {
    const replies: PassiveReply[] = [
      { type: "text", content: "x" },
      { type: "voice", media_id: "v" },
      { type: "video", media_id: "m", title: "t", description: "d" },
      { type: "music", title: "t", description: "d", music_url: "u", hq_music_url: "h", thumb_media_id: "m" },
      { type: "news", articles: [{ title: "only", description: "d", pic_url: "p", url: "u" }] },
      { type: "transfer_customer_service", kf_account: "kf@gh" },
    ];
    for (const reply of replies) expect(parsePassiveReplyXml(buildPassiveReply(reply, to))).toEqual(reply);
  });
});

describe("message dedupe keys and webhook data", () => {
  const base = { ToUserName: ACCOUNT, FromUserName: FAN, CreateTime: 1_700_000_000 };
  const keyOf = (fields: Record<string, string | number>) =>
    messageDedupeKey({ componentAppid: "wxcomp", authorizerAppid: "wxauth", message: parseAuthorizerMessage(buildXml(fields)) });

  it("keys a message by MsgId and an event by sender, CreateTime and Event", () => {
    expect(keyOf({ ...base, MsgType: "text", Content: "a", MsgId: "6204315588212345678" })).toBe("wxcomp:wxauth:msgid:6204315588212345678");
    expect(keyOf({ ...base, MsgType: "event", Event: "subscribe" })).toBe(`wxcomp:wxauth:event:${FAN}:1700000000:subscribe`);
    expect(keyOf({ ...base, MsgType: "event", Event: "CLICK" })).not.toBe(keyOf({ ...base, MsgType: "event", Event: "VIEW" }));
    expect(keyOf({ ...base, MsgType: "image" })).toBe(`wxcomp:wxauth:msg:${FAN}:1700000000:image`);
  });

  it("hashes a key that would not fit the column", () => {
    const key = keyOf({ ...base, MsgType: "event", Event: "x".repeat(400) });
    expect(key).toMatch(/^wxcomp:wxauth:sha256:[0-9a-f]{64}$/);
    expect(key).not.toBe(keyOf({ ...base, MsgType: "event", Event: "y".repeat(400) }));
  });

  it("carries every field as sent, the XML, and the message's main fields", () => {
    const plaintext = buildXml({ ...base, MsgType: "location", Location_X: "23.13", Location_Y: "113.26", Scale: "20", MsgId: "1" });
    const data = messageEventData({
      componentAppid: "wxcomp",
      authorizerAppid: "wxauth",
      merchantRef: "shop-42",
      message: parseAuthorizerMessage(plaintext),
      xml: plaintext,
    });
    expect(data).toEqual({
      component_appid: "wxcomp",
      authorizer_appid: "wxauth",
      merchant_ref: "shop-42",
      msg_type: "location",
      msg_id: "1",
      from_user_name: FAN,
      to_user_name: ACCOUNT,
      create_time: "2023-11-14T22:13:20.000Z",
      create_time_unix: 1_700_000_000,
      fields: {
        ...base,
        CreateTime: "1700000000",
        MsgType: "location",
        Location_X: "23.13",
        Location_Y: "113.26",
        Scale: "20",
        MsgId: "1",
      },
      xml: plaintext,
    });
  });
});
