import { describe, expect, it } from "vitest";
import { buildPhonePageUrl, buildReloadPath, buildResumePath, buildRetryPath, PC_PAGE_PATH, PHONE_PAGE_PATH } from "@/lib/merchant/urls";

describe("merchant URLs", () => {
  it("points the QR code at the portal's own phone page", () => {
    expect(buildPhonePageUrl({ baseUrl: "https://portal.example.com", attemptId: "abc_DEF-123" })).toBe(
      "https://portal.example.com/m/authorize?attempt=abc_DEF-123",
    );
  });

  it("resumes by id and retries with the same request", () => {
    expect(buildResumePath({ path: PC_PAGE_PATH, attemptId: "x" })).toBe("/authorize?attempt=x");
    expect(buildRetryPath({ path: PHONE_PAGE_PATH, authType: 1, bizAppid: null, permissionSetIds: [] })).toBe("/m/authorize?auth_type=1");
    expect(buildRetryPath({ path: PC_PAGE_PATH, authType: 2, bizAppid: "wx0123456789abcdef", permissionSetIds: [17, 18] })).toBe(
      "/authorize?auth_type=2&biz_appid=wx0123456789abcdef&category_id_list=17%7C18",
    );
  });

  it("reloads with the query as it came", () => {
    expect(buildReloadPath({ path: PC_PAGE_PATH, query: {} })).toBe("/authorize");
    expect(buildReloadPath({ path: PC_PAGE_PATH, query: { auth_type: "1", x: ["a", "b"], y: undefined } })).toBe(
      "/authorize?auth_type=1&x=a&x=b",
    );
  });
});
