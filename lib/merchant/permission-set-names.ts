// Permission sets with their names in both languages, from WeChat's official tables (funcscope.json).
import { listPermissionSets, permissionSetName } from "../wechat/permission-sets";
import type { RequestedAccountType } from "./account-kind";
import type { NamedPermissionSet } from "./types";

export function nameSets(ids: readonly number[]): NamedPermissionSet[] {
  return ids.map((id) => ({ id, name: { "zh-CN": permissionSetName(id, "zh-CN"), en: permissionSetName(id, "en") } }));
}

/**
 * What WeChat offers when category_id_list is empty: every published set of the kinds listed.
 * WeChat publishes no table for 视频号 / 推客, so those kinds add nothing here.
 */
export function listPublishedSets(accountTypes: readonly RequestedAccountType[]): NamedPermissionSet[] {
  const ids = new Set<number>();
  if (accountTypes.includes("official_account")) for (const set of listPermissionSets({ accountType: "official_account" })) ids.add(set.id);
  if (accountTypes.includes("mini_program")) for (const set of listPermissionSets({ accountType: "mini_program" })) ids.add(set.id);
  return nameSets([...ids].sort((a, b) => a - b));
}
