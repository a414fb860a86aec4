// Which authorizer messages get the 全网发布 answers: only WeChat's test accounts, only the three cases.
import { describe, expect, it } from "vitest";
import { answerReleaseCheck, RELEASE_TEST_APPIDS } from "@/lib/messages/release-check";
import type { AuthorizerMessage } from "@/lib/wechat/authorizer-message";

const TEST_APPID = "wx570bc396a51b8ff8";
const MERCHANT_APPID = "wx1234567890abcdef";

const message = (fields: Partial<AuthorizerMessage>): AuthorizerMessage => ({
  ToUserName: "gh_3c884a361561",
  FromUserName: "ozy4qt5QUADNXORxCVipKMV9dss0",
  CreateTime: 1_700_000_000,
  createdAt: new Date(1_700_000_000_000),
  MsgType: "text",
  fields: {},
  ...fields,
});

describe("answerReleaseCheck", () => {
  it("knows the ten accounts of WeChat's test groups", () => {
    expect(RELEASE_TEST_APPIDS.size).toBe(10);
    expect(RELEASE_TEST_APPIDS.has("wxd101a85aa106f53e")).toBe(true);
  });

  it("answers the text case with TESTCOMPONENT_MSG_TYPE_TEXT_callback", () => {
    expect(answerReleaseCheck({ appid: TEST_APPID, message: message({ Content: "TESTCOMPONENT_MSG_TYPE_TEXT" }) })).toEqual({
      kind: "text",
      content: "TESTCOMPONENT_MSG_TYPE_TEXT_callback",
    });
  });

  it("answers any event with the event name + from_callback", () => {
    expect(answerReleaseCheck({ appid: TEST_APPID, message: message({ MsgType: "event", Event: "LOCATION" }) })).toEqual({
      kind: "text",
      content: "LOCATIONfrom_callback",
    });
    expect(answerReleaseCheck({ appid: TEST_APPID, message: message({ MsgType: "event", Event: "subscribe" }) })).toEqual({
      kind: "text",
      content: "subscribefrom_callback",
    });
  });

  it("answers QUERY_AUTH_CODE:<code> empty, with the API calls left for afterwards", () => {
    const answer = answerReleaseCheck({ appid: TEST_APPID, message: message({ Content: "QUERY_AUTH_CODE:queryauthcode@@@abc" }) });
    expect(answer.kind).toBe("empty");
    expect(answer.kind === "empty" && typeof answer.afterwards).toBe("function");
  });

  it("leaves every other message alone", () => {
    for (const content of ["hello", "QUERY_AUTH_CODE:", "TESTCOMPONENT_MSG_TYPE_TEXT ", "QUERY_AUTH_CODE:a b"]) {
      expect(answerReleaseCheck({ appid: TEST_APPID, message: message({ Content: content }) }), content).toEqual({ kind: "none" });
    }
    expect(answerReleaseCheck({ appid: TEST_APPID, message: message({ MsgType: "image" }) })).toEqual({ kind: "none" });
  });

  it("never answers a real merchant's account as if it were a release check", () => {
    for (const fields of [
      { Content: "TESTCOMPONENT_MSG_TYPE_TEXT" },
      { Content: "QUERY_AUTH_CODE:x" },
      { MsgType: "event", Event: "subscribe" },
    ]) {
      expect(answerReleaseCheck({ appid: MERCHANT_APPID, message: message(fields) })).toEqual({ kind: "none" });
    }
  });
});
