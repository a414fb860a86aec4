import { describe, expect, it } from "vitest";
import { parseAuthorizeQuery, toSearchParams } from "@/lib/merchant/query";

describe("the authorization pages' query", () => {
  it("creates with WeChat's defaults when empty (auth_type 3, every published set)", () => {
    expect(parseAuthorizeQuery({})).toEqual({ kind: "create", input: { authType: 3, permissionSetIds: [] } });
  });

  it("reads auth_type, biz_appid and category_id_list as WeChat writes them", () => {
    expect(parseAuthorizeQuery({ auth_type: "2", biz_appid: "wx0123456789abcdef", category_id_list: "17|18|18|19" })).toEqual({
      kind: "create",
      input: { authType: 2, bizAppid: "wx0123456789abcdef", permissionSetIds: [17, 18, 19] },
    });
    // Commas forgiven; repeated parameters: the first wins.
    expect(parseAuthorizeQuery({ auth_type: ["1", "2"], category_id_list: "1, 2" })).toEqual({
      kind: "create",
      input: { authType: 1, permissionSetIds: [1, 2] },
    });
  });

  it("names every wrong parameter, and creates nothing", () => {
    const parsed = parseAuthorizeQuery({ auth_type: "9", biz_appid: "gh_123", category_id_list: "1|x" });
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && [...parsed.fields].sort()).toEqual(["auth_type", "biz_appid", "category_id_list"]);
    expect(parseAuthorizeQuery({ auth_type: "1.5" })).toEqual({ kind: "invalid", fields: ["auth_type"] });
    expect(parseAuthorizeQuery({ auth_type: "0" })).toEqual({ kind: "invalid", fields: ["auth_type"] });
    expect(parseAuthorizeQuery({ category_id_list: "-1" })).toEqual({ kind: "invalid", fields: ["category_id_list"] });
  });

  it("resumes by attempt id (which wins over the rest), refusing ids that cannot be ours", () => {
    expect(parseAuthorizeQuery({ attempt: "dj-x7s3hjEvKB2ckQeZDaA", auth_type: "9" })).toEqual({
      kind: "resume",
      attemptId: "dj-x7s3hjEvKB2ckQeZDaA",
    });
    expect(parseAuthorizeQuery({ attempt: "../../etc" })).toEqual({ kind: "invalid", fields: ["attempt"] });
    expect(parseAuthorizeQuery({ attempt: "" })).toMatchObject({ kind: "create" });
  });

  it("turns URLSearchParams into the pages' shape", () => {
    expect(toSearchParams(new URLSearchParams("a=1&b=2&a=3"))).toEqual({ a: ["1", "3"], b: "2" });
  });
});
