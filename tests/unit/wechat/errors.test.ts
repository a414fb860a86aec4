import { describe, expect, it } from "vitest";
import {
  CLASSIFIED_ERRCODES,
  WeChatApiError,
  WeChatTransportError,
  classifyErrcode,
  parseErrmsg,
  type ErrorClass,
} from "@/lib/wechat/errors";
import { readJsonFixture } from "./fixtures";

// The protocol doc's list, with the class each code must get.
const EXPECTED_CLASSES: [number, ErrorClass][] = [
  [-1, "retry"],
  [40001, "refresh"],
  [40014, "refresh"],
  [42001, "refresh"],
  [42006, "refresh"],
  [61003, "re-authorize"],
  [61004, "configuration"],
  [61005, "configuration"],
  [61006, "configuration"],
  [61007, "re-authorize"],
  [61009, "re-authorize"],
  [61010, "re-authorize"],
  [61023, "re-authorize"],
  [61024, "client"],
  [45009, "quota"],
  [48001, "configuration"],
  [40164, "configuration"],
  [40013, "configuration"],
  [40125, "configuration"],
];

describe("classifyErrcode", () => {
  it.each(EXPECTED_CLASSES)("%i -> %s", (errcode, expected) => {
    const classification = classifyErrcode(errcode);
    expect(classification.class).toBe(expected);
    expect(classification.action.length).toBeGreaterThan(20);
    expect(classification.actionZh).toMatch(/[\u4e00-\u9fff]/);
    expect(classification.action).not.toMatch(/Unrecognised/);
  });

  it("gives unknown codes a non-retrying default that names the code", () => {
    const classification = classifyErrcode(99999);
    expect(classification.class).toBe("client");
    expect(classification.action).toContain("99999");
    expect(classification.actionZh).toContain("99999");
  });

  it("has specific advice for every row of the official api_component_token error table", () => {
    const table = readJsonFixture<{ rows: { errcode: number }[] }>("responses/errors/api_component_token.error_table.json");
    expect(table.rows.length).toBeGreaterThan(5);
    for (const row of table.rows) expect(CLASSIFIED_ERRCODES, String(row.errcode)).toContain(row.errcode);
  });

  it("tells refresh-class errors apart from re-authorize-class ones (the decision the token code makes)", () => {
    expect(classifyErrcode(42001).action).toMatch(/refresh/i);
    expect(classifyErrcode(61023).action).toMatch(/authorize again/i);
  });
});

describe("parseErrmsg / WeChatApiError", () => {
  it("splits the current rid suffix", () => {
    expect(parseErrmsg("access_token expired rid: 66c669e3-210a005b-256a5f92")).toEqual({
      message: "access_token expired",
      rid: "66c669e3-210a005b-256a5f92",
    });
  });

  it("splits the older hint suffix", () => {
    expect(parseErrmsg("refresh_token is invalid hint: [zDNUIA07582974]")).toEqual({
      message: "refresh_token is invalid",
      hint: "zDNUIA07582974",
    });
  });

  it("leaves a plain errmsg alone", () => {
    expect(parseErrmsg("api freq out of limit")).toEqual({ message: "api freq out of limit" });
  });

  it("carries errcode, rid, endpoint and classification", () => {
    const error = new WeChatApiError({
      errcode: 61023,
      errmsg: "refresh_token is invalid rid: 666188b4-774b1b9f-5cbb8e23",
      endpoint: "/cgi-bin/component/api_authorizer_token",
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.errcode).toBe(61023);
    expect(error.rid).toBe("666188b4-774b1b9f-5cbb8e23");
    expect(error.errorClass).toBe("re-authorize");
    expect(error.message).toBe(
      "WeChat /cgi-bin/component/api_authorizer_token failed with errcode 61023: refresh_token is invalid (rid 666188b4-774b1b9f-5cbb8e23)",
    );
  });
});

describe("errors across bundles", () => {
  it("recognises an error thrown by another copy of the module (Next.js bundles per entry)", async () => {
    // A second, separately evaluated copy of the module, as a second server bundle would have.
    const copy = (await import(
      /* @vite-ignore */ `../../../lib/wechat/errors.ts?copy=${Date.now()}`
    )) as typeof import("@/lib/wechat/errors");
    const foreign = new copy.WeChatApiError({
      errcode: 61010,
      errmsg: "code expired rid: x",
      endpoint: "/cgi-bin/component/api_query_auth",
    });
    expect(copy.WeChatApiError).not.toBe(WeChatApiError);
    expect(foreign instanceof WeChatApiError).toBe(true);
    expect(foreign instanceof WeChatTransportError).toBe(false);
    expect(new copy.WeChatTransportError({ kind: "timeout", endpoint: "/x", message: "t" }) instanceof WeChatTransportError).toBe(true);
    expect(new Error("plain") instanceof WeChatApiError).toBe(false);
  });
});
