import { describe, expect, it } from "vitest";
import funcscope from "@/lib/wechat/funcscope.json";
import { PERMISSION_SETS, findPermissionSet, listPermissionSets, permissionSetName } from "@/lib/wechat/permission-sets";
import { readJsonFixture } from "./fixtures";

type OfficialTable = { ids: Record<string, { name: string; mutex: boolean | null }> };
type FixtureFuncscope = {
  official_current: { official_account: OfficialTable; miniprogram: OfficialTable };
  official_legacy_list_1_26: { ids: Record<string, string> };
  examples_seen_in_real_responses: Record<string, { ids: number[] }>;
};

const fixture = readJsonFixture<FixtureFuncscope>("funcscope.json");

describe("lib/wechat/funcscope.json", () => {
  it("is a faithful copy of the official tables in the fixtures", () => {
    expect(funcscope.official_current).toEqual(fixture.official_current);
    expect(funcscope.official_legacy_list_1_26).toEqual(fixture.official_legacy_list_1_26);
  });
});

describe("permissionSetName", () => {
  it("uses the current official Chinese names", () => {
    expect(permissionSetName(1, "zh-CN")).toBe("消息管理");
    expect(permissionSetName(18, "zh-CN")).toBe("小程序开发与数据分析");
    expect(permissionSetName(113, "zh-CN")).toBe("就医助手");
  });

  it("falls back to the legacy official list for ids the current tables lack", () => {
    expect(permissionSetName(16, "zh-CN")).toBe("获取认证状态及信息");
    expect(findPermissionSet(20)).toMatchObject({ accountType: "mini_program", source: "official_legacy" });
  });

  it("has English names for the common sets", () => {
    expect(permissionSetName(1, "en")).toBe("Message management");
    expect(permissionSetName(17, "en")).toBe("Mini program codes");
  });

  it("labels unknown ids generically in both locales", () => {
    expect(permissionSetName(115, "zh-CN")).toBe("权限集 115");
    expect(permissionSetName(115, "en")).toBe("Permission set 115");
  });

  it("names every id seen in the real responses except ones absent from all official tables", () => {
    const seen = Object.values(fixture.examples_seen_in_real_responses).flatMap((example) => example.ids);
    const unnamed = seen.filter((id) => permissionSetName(id, "zh-CN") === `权限集 ${id}`);
    expect(unnamed).toEqual([115]);
  });
});

describe("PERMISSION_SETS / listPermissionSets", () => {
  it("lists every official id once, sorted, with account type and mutex flag", () => {
    const officialIds = [
      ...Object.keys(fixture.official_current.official_account.ids),
      ...Object.keys(fixture.official_current.miniprogram.ids),
    ].map(Number);
    const ids = PERMISSION_SETS.map((set) => set.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of officialIds) expect(ids).toContain(id);
    expect(findPermissionSet(4)).toMatchObject({
      accountType: "official_account",
      mutex: true,
      nameZh: "网页服务",
      source: "official_current",
    });
  });

  it("filters by account type", () => {
    const miniprogram = listPermissionSets({ accountType: "mini_program" });
    expect(miniprogram.length).toBeGreaterThan(10);
    expect(miniprogram.every((set) => set.accountType === "mini_program")).toBe(true);
    expect(miniprogram.map((set) => set.id)).toContain(18);
    expect(miniprogram.map((set) => set.id)).not.toContain(1);
    expect(listPermissionSets().length).toBe(PERMISSION_SETS.length);
  });

  it("every listed set has an English name (no generic fallback in the list)", () => {
    expect(PERMISSION_SETS.filter((set) => set.nameEn.startsWith("Permission set"))).toEqual([]);
  });
});
