import { describe, expect, it } from "vitest";
import { MessageCrypto, WeChatCryptoError } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { buildEncryptedReply, buildTextReply, parseAuthorizerMessage } from "@/lib/wechat/authorizer-message";
import { dedupeKeyFor, maskPush, parseComponentPush, type ComponentPush } from "@/lib/wechat/component-push";
import { WeChatPayloadError, parseEnvelope } from "@/lib/wechat/push-envelope";
import { buildXml, WeChatXmlError } from "@/lib/wechat/xml";
import { listFixtures, loadVectors, readFixture, required } from "./fixtures";

const vectors = loadVectors();
const vectorById = (id: string) =>
  required(
    vectors.find((vector) => vector.id === id),
    `vector ${id}`,
  );

type EventExpectation = { parses: Record<string, unknown> } | { rejects: "xml" } | { rejects: "payload"; fields: string[] };

// One entry per file in events/: a new sample fails the coverage test until its expectation is written.
const EVENT_EXPECTATIONS: Record<string, EventExpectation> = {
  "authorized.doc-legacy.xml": { rejects: "xml" }, // the legacy doc closes with <xml> instead of </xml>
  "authorized.doc-sample.easywechat.xml": {
    parses: {
      InfoType: "authorized",
      AppId: "第三方平台appid",
      CreateTime: 1413192760,
      AuthorizerAppid: "公众号appid",
      AuthorizationCode: "授权码",
      AuthorizationCodeExpiredTime: "过期时间",
      authorizationCodeExpiresAt: null,
      PreAuthCode: "预授权码",
    },
  },
  "component_verify_ticket.doc-2.0.xml": {
    parses: {
      InfoType: "component_verify_ticket",
      AppId: "some_appid",
      CreateTime: 1413192605,
      ComponentVerifyTicket: "some_verify_ticket",
    },
  },
  // Placeholder template: blank AppId and InfoType (its "1413192605 " CreateTime alone would be fine).
  "component_verify_ticket.doc-legacy.xml": { rejects: "payload", fields: ["AppId", "InfoType"] },
  "component_verify_ticket.doc-sample.easywechat.xml": {
    parses: {
      InfoType: "component_verify_ticket",
      AppId: "some_appid",
      CreateTime: 1413192605,
      ComponentVerifyTicket: "some_verify_ticket",
    },
  },
  "component_verify_ticket.miaoxing.xml": {
    parses: {
      InfoType: "component_verify_ticket",
      AppId: "wx9eeba14a01d3807f",
      CreateTime: 1445308253,
      ComponentVerifyTicket: "ticket@@@1S8ekCXqBTTCMFLI9ekk2jh8u3NyelwnQoc_Rbpr3X0gKlGiYKhlQrERhGOrsGJ3OcQnWuszOI7iLwe-KaMIVA",
    },
  },
  "component_verify_ticket.real.sdk-go.xml": {
    parses: {
      InfoType: "component_verify_ticket",
      AppId: "wxc83d3daa98fe100c",
      CreateTime: 1629109108,
      ComponentVerifyTicket: "ticket@@@Ty7amQGdpuyZf-i-7YO6-wdAc0L5mOKPke23h_JoCOt5cAMvzqkrldNVskmTETnoOejH0aE4vtHHWSEBwHXrxw",
    },
  },
  "component_verify_ticket.senparc.xml": {
    parses: {
      InfoType: "component_verify_ticket",
      AppId: "wxbbd3f07e2945cf2a",
      CreateTime: 1436881222,
      ComponentVerifyTicket: "ticket@@@hXh2446N-P9OOZqW4EeuPO9zFXEnAz5Vzc0JaWczBkIqcw2javRF0C_VVdwVYrEwyw1xHOiui7gB0WqKaYPMUQ",
    },
  },
  // Envelopes are not decrypted payloads.
  "encrypted-envelope.component_verify_ticket.miaoxing.xml": { rejects: "payload", fields: ["CreateTime", "InfoType"] },
  "encrypted-envelope.unauthorized.senparc.xml": { rejects: "payload", fields: ["CreateTime", "InfoType"] },
  "notify_third_fasteregister.enterprise.doc.xml": {
    parses: {
      InfoType: "notify_third_fasteregister",
      AppId: "第三方平台appid",
      CreateTime: 1535442403,
      appid: "创建小程序appid",
      status: 0,
      auth_code: "xxxxx第三方授权码",
      msg: "OK",
      info: {
        name: "企业名称",
        code: "企业代码",
        code_type: "1",
        legal_persona_wechat: "法人微信号",
        legal_persona_name: "法人姓名",
        component_phone: "第三方联系电话",
      },
    },
  },
  "notify_third_fasteregister.enterprise.observed-redacted.xml": {
    parses: {
      InfoType: "notify_third_fasteregister",
      AppId: "xxx",
      CreateTime: 1691338115,
      appid: "xxx",
      status: 0,
      auth_code: "xxx",
      msg: "OK",
      info: { name: "xxx", code: "xxx", code_type: "1", legal_persona_wechat: "xxx", legal_persona_name: "xxx", component_phone: "xxx" },
    },
  },
  "notify_third_fasteregister.personal.doc.xml": { rejects: "xml" }, // <idname> closed by </wxidnnn>
  "unauthorized.doc-legacy.xml": {
    parses: { InfoType: "unauthorized", AppId: "第三方平台appid", CreateTime: 1413192760, AuthorizerAppid: "公众号appid" },
  },
  "unauthorized.doc-sample.easywechat.xml": {
    parses: { InfoType: "unauthorized", AppId: "第三方平台appid", CreateTime: 1413192760, AuthorizerAppid: "公众号appid" },
  },
  "unauthorized.miaoxing.xml": {
    parses: { InfoType: "unauthorized", AppId: "wx9eeba14a01d3807f", CreateTime: 1445303136, AuthorizerAppid: "wx570bc396a51b8ff8" },
  },
  "unauthorized.senparc.xml": {
    parses: { InfoType: "unauthorized", AppId: "wxbbd3f07e2945cf2a", CreateTime: 1436876196, AuthorizerAppid: "wx570bc396a51b8ff8" },
  },
  "unauthorized.unknown-authorizer.miaoxing.xml": {
    parses: { InfoType: "unauthorized", AppId: "wx9eeba14a01d3807f", CreateTime: 1445303136, AuthorizerAppid: "wx1234567890123456" },
  },
  "updateauthorized.doc-legacy.xml": { rejects: "xml" },
  "updateauthorized.doc-sample.easywechat.xml": {
    parses: {
      InfoType: "updateauthorized",
      AppId: "第三方平台appid",
      CreateTime: 1413192760,
      AuthorizerAppid: "公众号appid",
      AuthorizationCode: "授权码",
      PreAuthCode: "预授权码",
    },
  },
};

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("events/*.xml through parseComponentPush", () => {
  const files = listFixtures("events", ".xml");

  it("every sample file has an expectation", () => {
    expect(files.length).toBeGreaterThan(15);
    expect(files).toEqual(Object.keys(EVENT_EXPECTATIONS).sort());
  });

  it.each(files)("%s", (file) => {
    const expectation = required(EVENT_EXPECTATIONS[file], file);
    const xml = readFixture(`events/${file}`);
    if ("parses" in expectation) {
      const push = parseComponentPush(xml);
      expect(push.known).toBe(true);
      expect(push).toMatchObject(expectation.parses);
      expect(push.createdAt.getTime()).toBe(push.CreateTime * 1000);
      return;
    }
    const error = catchError(() => parseComponentPush(xml));
    expect(error).toBeInstanceOf(WeChatCryptoError);
    expect((error as WeChatCryptoError).code).toBe(-40002);
    if (expectation.rejects === "xml") {
      expect(error).toBeInstanceOf(WeChatXmlError);
      return;
    }
    expect(error).toBeInstanceOf(WeChatPayloadError);
    expect((error as WeChatPayloadError).fields.sort()).toEqual(expectation.fields);
    for (const field of expectation.fields) expect((error as Error).message).toContain(field);
  });
});

describe("encrypted envelopes in events/", () => {
  const cases = [
    ["encrypted-envelope.component_verify_ticket.miaoxing.xml", "miaoxing-component-verify-ticket", "component_verify_ticket.miaoxing.xml"],
    ["encrypted-envelope.unauthorized.senparc.xml", "senparc-component-unauthorized", "unauthorized.senparc.xml"],
  ] as const;

  it.each(cases)("%s decrypts to the plain sample", (envelopeFile, vectorId, plainFile) => {
    const vector = vectorById(vectorId);
    const envelope = parseEnvelope(readFixture(`events/${envelopeFile}`));
    expect(envelope.appid).toBe(vector.appid);
    expect(envelope.toUserName).toBeUndefined();
    const crypto = new MessageCrypto({
      token: vector.token,
      encodingAesKey: required(vector.encoding_aes_key, "key"),
      appid: required(envelope.appid, "appid"),
    });
    const plaintext = crypto.decryptVerified({
      msgSignature: required(vector.msg_signature, "msg_signature"),
      timestamp: required(vector.timestamp, "timestamp"),
      nonce: required(vector.nonce, "nonce"),
      encrypt: envelope.encrypt,
    });
    const plain = readFixture(`events/${plainFile}`);
    // The sample files end with a newline the payload does not have.
    expect(plaintext).toBe(plain.replace(/\n$/, ""));
    expect(parseComponentPush(plaintext)).toEqual(parseComponentPush(plain));
  });
});

describe("parseEnvelope", () => {
  it("reads an authorizer message envelope (ToUserName + Encrypt)", () => {
    const vector = vectorById("wechatpy-wecom-decrypt");
    const envelope = parseEnvelope(required(vector.post_body, "post_body"));
    expect(envelope).toEqual({ toUserName: "wx49f0ab532d5d035a", encrypt: vector.encrypt });
  });

  it("takes only Encrypt from a compat-mode body that also carries plaintext fields", () => {
    const vector = vectorById("senparc-mp-compat-mode");
    expect(parseEnvelope(required(vector.post_body, "post_body"))).toEqual({ toUserName: "gh_a96a4a619366", encrypt: vector.encrypt });
  });

  it("rejects a body without Encrypt (e.g. godcong's <RSAEncrypt> quirk) with a -40002 payload error", () => {
    const body = required(vectorById("wego-mp-decrypt1").post_body, "post_body");
    const error = catchError(() => parseEnvelope(body));
    expect(error).toBeInstanceOf(WeChatPayloadError);
    expect((error as WeChatPayloadError).code).toBe(-40002);
    expect((error as WeChatPayloadError).fields).toEqual(["Encrypt"]);
  });

  it("rejects non-XML (e.g. the WeCom JSON body) with -40002", () => {
    const error = catchError(() => parseEnvelope(required(vectorById("wecom-official-sample-json-decrypt").post_body, "post_body")));
    expect(error).toBeInstanceOf(WeChatXmlError);
  });
});

describe("parseComponentPush validation", () => {
  it("names the missing field of a known InfoType", () => {
    const xml = buildXml({
      AppId: "wxe940405705046cf5",
      CreateTime: 1700000000,
      InfoType: "authorized",
      AuthorizerAppid: "wx570bc396a51b8ff8",
    });
    const error = catchError(() => parseComponentPush(xml)) as WeChatPayloadError;
    expect(error).toBeInstanceOf(WeChatPayloadError);
    expect(error.fields).toEqual(["AuthorizationCode"]);
    expect(error.message).toContain("AuthorizationCode is missing");
  });

  it("rejects a CreateTime that is not unix seconds", () => {
    const xml = buildXml({
      AppId: "wxe940405705046cf5",
      CreateTime: "yesterday",
      InfoType: "unauthorized",
      AuthorizerAppid: "wx570bc396a51b8ff8",
    });
    expect((catchError(() => parseComponentPush(xml)) as WeChatPayloadError).fields).toEqual(["CreateTime"]);
  });

  it("exposes a numeric AuthorizationCodeExpiredTime as a Date", () => {
    const push = parseComponentPush(
      buildXml({
        AppId: "wxe940405705046cf5",
        CreateTime: 1700000000,
        InfoType: "authorized",
        AuthorizerAppid: "wx570bc396a51b8ff8",
        AuthorizationCode: "queryauthcode@@@abcdef",
        AuthorizationCodeExpiredTime: 1700003600,
        PreAuthCode: "preauthcode@@@xyz",
      }),
    );
    if (push.InfoType !== "authorized" || !push.known) throw new Error("expected an authorized push");
    expect(push.authorizationCodeExpiresAt?.toISOString()).toBe("2023-11-14T23:13:20.000Z");
  });

  it("keeps every field of an unknown InfoType", () => {
    const push = parseComponentPush(
      buildXml({
        AppId: "wxe940405705046cf5",
        CreateTime: 1700000000,
        InfoType: "notify_third_fastverifybetaapp",
        appid: "wx1111111111111111",
        status: 0,
      }),
    );
    expect(push.known).toBe(false);
    expect(push.InfoType).toBe("notify_third_fastverifybetaapp");
    if (push.known) throw new Error("unreachable");
    expect(push.fields).toMatchObject({ appid: "wx1111111111111111", status: "0" });
  });

  it("accepts a fast-registration failure without appid or auth_code", () => {
    const push = parseComponentPush(
      buildXml({
        AppId: "wxe940405705046cf5",
        CreateTime: 1700000000,
        InfoType: "notify_third_fasteregister",
        status: 89249,
        msg: "task running",
      }),
    );
    expect(push).toMatchObject({ known: true, status: 89249, msg: "task running", info: {} });
    expect("appid" in push ? push.appid : undefined).toBeUndefined();
  });
});

describe("dedupeKeyFor", () => {
  const crypto = new MessageCrypto({
    token: DEMO_COMPONENT.token,
    encodingAesKey: DEMO_COMPONENT.encodingAesKey,
    appid: DEMO_COMPONENT.appid,
  });
  const ticketXml = (ticket: string, createTime = 1700000000) =>
    buildXml({ AppId: DEMO_COMPONENT.appid, CreateTime: createTime, InfoType: "component_verify_ticket", ComponentVerifyTicket: ticket });

  it("maps a retried delivery (fresh ciphertext, same payload) to the same key", () => {
    const plaintext = ticketXml("ticket@@@first");
    const first = crypto.seal({ plaintext, timestamp: "1700000000", nonce: "1" });
    const retry = crypto.seal({ plaintext, timestamp: "1700000005", nonce: "2" });
    expect(first.encrypt).not.toBe(retry.encrypt);
    const keyOf = (sealed: { encrypt: string }) => dedupeKeyFor(parseComponentPush(crypto.decrypt(sealed.encrypt)));
    expect(keyOf(first)).toBe(keyOf(retry));
  });

  it("distinguishes different tickets and different times, and never embeds the ticket", () => {
    const key = dedupeKeyFor(parseComponentPush(ticketXml("ticket@@@secret-value")));
    expect(key).not.toContain("secret-value");
    expect(key.startsWith(`component_verify_ticket:${DEMO_COMPONENT.appid}:1700000000:`)).toBe(true);
    expect(dedupeKeyFor(parseComponentPush(ticketXml("ticket@@@other-value")))).not.toBe(key);
    expect(dedupeKeyFor(parseComponentPush(ticketXml("ticket@@@secret-value", 1700000600)))).not.toBe(key);
  });

  it("keys authorization events by type and authorizer", () => {
    const keys = listFixtures("events", ".xml")
      .filter((file) => "parses" in required(EVENT_EXPECTATIONS[file], file))
      .map((file) => dedupeKeyFor(parseComponentPush(readFixture(`events/${file}`))));
    const unauthorized = dedupeKeyFor(parseComponentPush(readFixture("events/unauthorized.senparc.xml")));
    expect(unauthorized).toBe("unauthorized:wxbbd3f07e2945cf2a:1436876196:wx570bc396a51b8ff8");
    // authorized and updateauthorized doc samples share every field but InfoType.
    const authorized = dedupeKeyFor(parseComponentPush(readFixture("events/authorized.doc-sample.easywechat.xml")));
    const updated = dedupeKeyFor(parseComponentPush(readFixture("events/updateauthorized.doc-sample.easywechat.xml")));
    expect(authorized).not.toBe(updated);
    expect(authorized).not.toContain("授权码");
    // Distinct samples give distinct keys; exactly two pairs are the same doc sample copied twice
    // (ticket doc-2.0 / doc-sample, unauthorized doc-legacy / doc-sample).
    expect(keys.length - new Set(keys).size).toBe(2);
  });

  it("is stable for unknown pushes whatever the field order", () => {
    const a = parseComponentPush(buildXml({ AppId: "wxe940405705046cf5", CreateTime: 1, InfoType: "future_event", x: "1", y: "2" }));
    const b = parseComponentPush(buildXml({ InfoType: "future_event", y: "2", x: "1", CreateTime: 1, AppId: "wxe940405705046cf5" }));
    const c = parseComponentPush(buildXml({ AppId: "wxe940405705046cf5", CreateTime: 1, InfoType: "future_event", x: "1", y: "3" }));
    expect(dedupeKeyFor(a)).toBe(dedupeKeyFor(b));
    expect(dedupeKeyFor(a)).not.toBe(dedupeKeyFor(c));
  });
});

describe("maskPush", () => {
  it("masks the ticket and keeps the rest JSON-safe", () => {
    const push = parseComponentPush(readFixture("events/component_verify_ticket.real.sdk-go.xml"));
    const masked = maskPush(push);
    expect(masked).toMatchObject({
      InfoType: "component_verify_ticket",
      AppId: "wxc83d3daa98fe100c",
      CreateTime: 1629109108,
      ComponentVerifyTicket: "tick…",
      createdAt: "2021-08-16T10:18:28.000Z",
    });
    expect(JSON.stringify(masked)).not.toContain("Ty7amQGd");
  });

  it("masks authorization codes, pre-auth codes and fast-registration auth codes", () => {
    const authorized = maskPush(
      parseComponentPush(
        buildXml({
          AppId: "wxe940405705046cf5",
          CreateTime: 1700000000,
          InfoType: "authorized",
          AuthorizerAppid: "wx570bc396a51b8ff8",
          AuthorizationCode: "queryauthcode@@@SECRETSECRET",
          AuthorizationCodeExpiredTime: 1700003600,
          PreAuthCode: "preauthcode@@@SECRETSECRET",
        }),
      ),
    );
    expect(authorized).toMatchObject({ AuthorizationCode: "quer…", PreAuthCode: "prea…", AuthorizerAppid: "wx570bc396a51b8ff8" });
    expect(JSON.stringify(authorized)).not.toContain("SECRET");

    const fast = maskPush(parseComponentPush(readFixture("events/notify_third_fasteregister.enterprise.doc.xml")));
    expect(fast.auth_code).toBe("xxxx…");
    expect(fast.appid).toBe("创建小程序appid");
  });

  it("masks credential fields inside unknown pushes too, and fully masks short values", () => {
    const masked = maskPush(
      parseComponentPush(
        buildXml({
          AppId: "wxe940405705046cf5",
          CreateTime: 1,
          InfoType: "future_event",
          auth_code: "SECRETSECRETSECRET",
          PreAuthCode: "short",
        }),
      ),
    );
    expect(JSON.stringify(masked)).not.toContain("SECRET");
    expect((masked.fields as Record<string, unknown>).PreAuthCode).toBe("…");
  });

  it("does not modify the push it is given", () => {
    const push: ComponentPush = parseComponentPush(readFixture("events/component_verify_ticket.senparc.xml"));
    maskPush(push);
    expect("ComponentVerifyTicket" in push && push.ComponentVerifyTicket.startsWith("ticket@@@hXh2446N")).toBe(true);
  });
});

describe("authorizer messages", () => {
  it("parses a decrypted text message, keeping big MsgIds as strings", () => {
    const vector = vectorById("senparc-mp-compat-mode");
    const crypto = new MessageCrypto({
      token: vector.token,
      encodingAesKey: required(vector.encoding_aes_key, "key"),
      appid: required(vector.appid, "appid"),
    });
    const message = parseAuthorizerMessage(crypto.decrypt(required(vector.encrypt, "encrypt")));
    expect(message).toMatchObject({
      ToUserName: "gh_a96a4a619366",
      MsgType: "text",
      Content: "你好",
      MsgId: "6074746557628292943",
      CreateTime: 1414387151,
    });
    expect(message.FromUserName).toBe("olPjZjsXuQPJoV0HlruZkNzKc91E");
    expect(message.Event).toBeUndefined();
  });

  it("parses an event message and keeps unmodelled fields", () => {
    const message = parseAuthorizerMessage(
      buildXml({
        ToUserName: "gh_3c884a361561",
        FromUserName: "ozy4qt5QUADNXORxCVipKMV9dss0",
        CreateTime: 1700000000,
        MsgType: "event",
        Event: "LOCATION",
        Latitude: "23.137466",
      }),
    );
    expect(message).toMatchObject({ MsgType: "event", Event: "LOCATION" });
    expect(message.fields.Latitude).toBe("23.137466");
  });

  it("rejects a message without FromUserName", () => {
    const error = catchError(() => parseAuthorizerMessage(buildXml({ ToUserName: "gh_1", CreateTime: 1, MsgType: "text" })));
    expect((error as WeChatPayloadError).fields).toEqual(["FromUserName"]);
  });

  it("builds the plain text reply, swapping sender and receiver", () => {
    expect(
      buildTextReply({
        toUser: "ozy4qt5QUADNXORxCVipKMV9dss0",
        fromUser: "gh_3c884a361561",
        content: "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
        createTime: 1700000000,
      }),
    ).toBe(
      "<xml><ToUserName><![CDATA[ozy4qt5QUADNXORxCVipKMV9dss0]]></ToUserName><FromUserName><![CDATA[gh_3c884a361561]]></FromUserName>" +
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[TESTCOMPONENT_MSG_TYPE_TEXT_callback]]></Content></xml>",
    );
  });

  it("runs the 全网发布 text check end to end: encrypted in, encrypted reply out", () => {
    const crypto = new MessageCrypto({
      token: DEMO_COMPONENT.token,
      encodingAesKey: DEMO_COMPONENT.encodingAesKey,
      appid: DEMO_COMPONENT.appid,
    });
    const incoming = buildXml({
      ToUserName: "gh_3c884a361561",
      FromUserName: "ozy4qt5QUADNXORxCVipKMV9dss0",
      CreateTime: 1700000000,
      MsgType: "text",
      Content: "TESTCOMPONENT_MSG_TYPE_TEXT",
      MsgId: "1234567890123456789",
    });
    const sealed = crypto.seal({ plaintext: incoming, timestamp: "1700000000", nonce: "42" });
    const body = buildXml({ ToUserName: "gh_3c884a361561", Encrypt: sealed.encrypt });

    const envelope = parseEnvelope(body);
    const message = parseAuthorizerMessage(
      crypto.decryptVerified({ msgSignature: sealed.msgSignature, timestamp: "1700000000", nonce: "42", encrypt: envelope.encrypt }),
    );
    const reply = buildTextReply({
      toUser: message.FromUserName,
      fromUser: message.ToUserName,
      content: `${message.Content}_callback`,
      createTime: 1700000001,
    });
    const encryptedReply = buildEncryptedReply({ crypto, plaintext: reply, timestamp: "1700000001", nonce: "43" });

    const replyEnvelope = parseEnvelope(encryptedReply);
    const fields = parseAuthorizerMessage(
      crypto.decryptVerified({
        msgSignature: String(/<MsgSignature><!\[CDATA\[(\w+)\]\]>/.exec(encryptedReply)?.[1]),
        timestamp: "1700000001",
        nonce: "43",
        encrypt: replyEnvelope.encrypt,
      }),
    );
    expect(fields).toMatchObject({
      ToUserName: "ozy4qt5QUADNXORxCVipKMV9dss0",
      FromUserName: "gh_3c884a361561",
      Content: "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
    });
    expect(encryptedReply).toMatch(
      /^<xml><Encrypt><!\[CDATA\[.+\]\]><\/Encrypt><MsgSignature><!\[CDATA\[[0-9a-f]{40}\]\]><\/MsgSignature><TimeStamp>1700000001<\/TimeStamp><Nonce><!\[CDATA\[43\]\]><\/Nonce><\/xml>$/,
    );
  });
});
