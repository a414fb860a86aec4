// How a request presents its API key, and what a key looks like.
import { describe, expect, it } from "vitest";
import { hashApiKey, looksLikeApiKey } from "@/lib/token-centre/api-keys";
import { readPresentedKey } from "@/lib/token-centre/authenticate";

const KEY = `cpk_${"a1B2_c3-D4".repeat(4)}xyz`;

describe("readPresentedKey", () => {
  it("reads a Bearer token, whatever the scheme's case and the spacing", () => {
    expect(readPresentedKey(new Headers({ authorization: `Bearer ${KEY}` }))).toBe(KEY);
    expect(readPresentedKey(new Headers({ authorization: `bearer   ${KEY}  ` }))).toBe(KEY);
  });

  it("reads X-Api-Key when there is no Authorization header", () => {
    expect(readPresentedKey(new Headers({ "x-api-key": ` ${KEY} ` }))).toBe(KEY);
  });

  it("prefers Authorization, and treats another scheme as a wrong key rather than none", () => {
    expect(readPresentedKey(new Headers({ authorization: `Bearer ${KEY}`, "x-api-key": "other" }))).toBe(KEY);
    expect(readPresentedKey(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toBe("");
    expect(readPresentedKey(new Headers({ authorization: "Bearer" }))).toBe("");
  });

  it("answers null when no key is presented at all", () => {
    expect(readPresentedKey(new Headers())).toBeNull();
  });
});

describe("API key format", () => {
  it("is cpk_ followed by 43 base64url characters", () => {
    expect(KEY).toHaveLength(47);
    expect(looksLikeApiKey(KEY)).toBe(true);
    expect(looksLikeApiKey(KEY.slice(0, -1))).toBe(false);
    expect(looksLikeApiKey(`${KEY.slice(0, -1)}=`)).toBe(false);
    expect(looksLikeApiKey(KEY.replace("cpk_", "sk_x"))).toBe(false);
  });

  it("is stored as its SHA-256 in hex", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
