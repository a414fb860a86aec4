// Permission sets with their names in both languages, from WeChat's official tables (funcscope.json).
import { listPermissionSets, permissionSetName } from "../wechat/permission-sets";
import type { RequestedAccountType } from "./account-kind";
import type { AccountType, NamedPermissionSet } from "./types";

export function nameSets(ids: readonly number[]): NamedPermissionSet[] {
  return ids.map((id) => ({ id, name: { "zh-CN": permissionSetName(id, "zh-CN"), en: permissionSetName(id, "en") } }));
}

/** The current official table of one kind (the legacy 1..26 list names sets WeChat no longer offers). */
const currentSetIds = (accountType: "official_account" | "mini_program") =>
  listPermissionSets({ accountType })
    .filter((set) => set.source === "official_current")
    .map((set) => set.id);

/**
 * What WeChat offers when category_id_list is empty: every published set of the kinds listed.
 * WeChat publishes no table for 视频号 / 推客, so those kinds add nothing here.
 */
export function listPublishedSets(accountTypes: readonly RequestedAccountType[]): NamedPermissionSet[] {
  const ids = new Set<number>();
  if (accountTypes.includes("official_account")) for (const id of currentSetIds("official_account")) ids.add(id);
  if (accountTypes.includes("mini_program")) for (const id of currentSetIds("mini_program")) ids.add(id);
  return nameSets([...ids].sort((a, b) => a - b));
}

/**
 * What WeChat's page offered the admin for this account: the sets asked for, or when the link named
 * none, WeChat's current table for the account's kind (the sets it lists, all ticked).
 */
export function listOfferedSetIds({ requested, accountType }: { requested: readonly number[]; accountType: AccountType }): number[] {
  if (requested.length > 0) return [...requested];
  if (accountType !== "official_account" && accountType !== "mini_program") return [];
  return currentSetIds(accountType);
}

/** The sets offered and not granted (unticked by the admin), in id order. */
export function listWithheldSets(args: {
  requested: readonly number[];
  accountType: AccountType;
  granted: readonly number[];
}): NamedPermissionSet[] {
  const granted = new Set(args.granted);
  return nameSets(
    listOfferedSetIds(args)
      .filter((id) => !granted.has(id))
      .sort((a, b) => a - b),
  );
}
