// Pieces the console pages share: the authorizer list's links (the inverse of its query parsing, with
// the defaults left out), the one way a time is written, and the permission-set groups the pickers offer.
import { createFormatter } from "next-intl";
import { describe, expect, it } from "vitest";
import { LIST_DEFAULTS, encodeCursor, isFiltered, listHref, parseListQuery } from "@/lib/console/authorizer-list";
import { timeWriter } from "@/lib/console/format";
import { offeredPermissionSets, permissionSetGroups, permissionSetLocale } from "@/lib/console/permission-set-groups";
import { listPermissionSets, permissionSetName } from "@/lib/wechat/permission-sets";

describe("authorizer list links", () => {
  it("leave the defaults out and round-trip every filter and cursor", () => {
    expect(listHref(parseListQuery({}))).toBe("/console/authorizers");
    expect(parseListQuery({})).toMatchObject(LIST_DEFAULTS);
    const query = parseListQuery({ q: "青禾", kind: "service", status: "revoked", set: "17", sort: "name_asc", size: "20" });
    const after = encodeCursor({ v: "青禾书店", id: "wx0000000000000001" });
    const href = listHref(query, { after });
    const params = Object.fromEntries(new URL(href, "http://portal.test").searchParams);
    expect(parseListQuery(params)).toEqual({ ...query, after: { v: "青禾书店", id: "wx0000000000000001" } });
    expect(listHref({ ...parseListQuery({}), size: 100 }, { before: "abc" })).toBe("/console/authorizers?size=100&before=abc");
  });

  it("count sort and page size as ordering, not filtering", () => {
    expect(isFiltered(parseListQuery({ sort: "name_desc", size: "100" }))).toBe(false);
    for (const narrowed of [{ q: "a" }, { kind: "channels" }, { status: "updated" }, { set: "1" }]) {
      expect(isFiltered(parseListQuery(narrowed))).toBe(true);
    }
  });
});

describe("timeWriter", () => {
  const format = createFormatter({ locale: "zh-CN", timeZone: "Asia/Shanghai" });
  const at = new Date("2026-03-04T05:06:07Z");

  it("writes a moment to the second, or to the minute, the same from a Date or its ISO text", () => {
    const second = timeWriter(format);
    expect(second(at)).toBe(format.dateTime(at, { dateStyle: "medium", timeStyle: "medium" }));
    expect(second(at.toISOString())).toBe(second(at));
    expect(second(at)).toContain("13:06:07");
    expect(timeWriter(format, "minute")(at)).toBe(format.dateTime(at, { dateStyle: "medium", timeStyle: "short" }));
  });

  it("writes a dash for no moment", () => {
    expect(timeWriter(format)(null)).toBe("—");
    expect(timeWriter(format, "minute")(null)).toBe("—");
  });
});

describe("permission-set groups", () => {
  it("group every known set by account type, 公众号 first, named in the console's language", () => {
    const groups = permissionSetGroups({ locale: "en", offeredOnly: false });
    expect(groups.map((g) => g.accountType)).toEqual(["official_account", "mini_program"]);
    for (const group of groups) {
      expect(group.sets.map((s) => s.id)).toEqual(listPermissionSets({ accountType: group.accountType }).map((s) => s.id));
      for (const set of group.sets) expect(set.name).toBe(permissionSetName(set.id, "en"));
    }
  });

  it("offer a new link only the sets WeChat publishes now, and none for kinds without a table", () => {
    const offered = permissionSetGroups({ locale: "zh-CN", offeredOnly: true });
    for (const group of offered) {
      expect(group.sets.map((s) => s.id)).toEqual(offeredPermissionSets(group.accountType).map((s) => s.id));
      expect(offeredPermissionSets(group.accountType).every((s) => s.source === "official_current")).toBe(true);
    }
    expect(offeredPermissionSets("official_account").length).toBeLessThan(listPermissionSets({ accountType: "official_account" }).length);
    expect(offeredPermissionSets("channels")).toEqual([]);
    expect(offeredPermissionSets("promoter")).toEqual([]);
  });

  it("mark a name both account types have (开放平台账号管理 is 24 and 25) and the legacy sets", () => {
    const [official, mini] = permissionSetGroups({ locale: "zh-CN", offeredOnly: false });
    const shared = (group: typeof official) => group!.sets.filter((s) => s.sharedName).map((s) => s.id);
    expect(shared(official)).toEqual(expect.arrayContaining([24, 66]));
    expect(shared(mini)).toEqual(expect.arrayContaining([25, 67]));
    expect(official!.sets.find((s) => s.id === 1)).toMatchObject({ sharedName: false, legacy: false });
    for (const group of [official!, mini!]) {
      for (const set of group.sets) {
        expect(set.legacy).toBe(
          listPermissionSets({ accountType: group.accountType }).find((s) => s.id === set.id)!.source === "official_legacy",
        );
      }
    }
    // In English the two are named apart already.
    const [enOfficial] = permissionSetGroups({ locale: "en", offeredOnly: false });
    expect(enOfficial!.sets.find((s) => s.id === 24)!.sharedName).toBe(false);
  });

  it("name sets in English only for the English console", () => {
    expect([permissionSetLocale("en"), permissionSetLocale("zh-CN")]).toEqual(["en", "zh-CN"]);
  });
});
