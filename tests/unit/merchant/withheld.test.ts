import { describe, expect, it } from "vitest";
import { listOfferedSetIds, listWithheldSets } from "@/lib/merchant/permission-set-names";

describe("what the admin withheld", () => {
  it("is what the link asked for and was not granted", () => {
    const withheld = listWithheldSets({ requested: [1, 2, 7, 11], accountType: "official_account", granted: [1, 11] });
    expect(withheld.map((set) => set.id)).toEqual([2, 7]);
    expect(withheld[0]?.name).toEqual({ "zh-CN": "用户管理", en: "User management" });
  });

  it("is, for a link that named no sets, WeChat's current table of the account's kind minus the grant", () => {
    const offered = listOfferedSetIds({ requested: [], accountType: "official_account" });
    expect(offered).toHaveLength(28);
    const granted = offered.filter((id) => ![1, 2, 3].includes(id));
    const withheld = listWithheldSets({ requested: [], accountType: "official_account", granted });
    expect(withheld.map((set) => set.name["zh-CN"])).toEqual(["消息管理", "用户管理", "账号服务"]);
    // Nothing withheld when everything offered was granted; no table for other kinds.
    expect(listWithheldSets({ requested: [], accountType: "official_account", granted: offered })).toEqual([]);
    expect(listWithheldSets({ requested: [], accountType: "channels", granted: [] })).toEqual([]);
  });
});
