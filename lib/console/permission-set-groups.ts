// The permission sets (权限集) the console offers, grouped by the account type WeChat publishes them
// for (公众号, then 小程序): the list's filter offers every known set, a new link only the sets WeChat
// publishes now.
import type { AccountType } from "../generated/prisma/enums";
import {
  listPermissionSets,
  permissionSetName,
  type PermissionSet,
  type PermissionSetAccountType,
  type PermissionSetLocale,
} from "../wechat/permission-sets";

/** The account types with a permission-set table, in the order the pickers show them (视频号 and 推客 have none). */
export const SET_ACCOUNT_TYPES = ["official_account", "mini_program"] as const satisfies readonly PermissionSetAccountType[];

/** The console's language as the permission-set tables name it. */
export const permissionSetLocale = (locale: string): PermissionSetLocale => (locale === "en" ? "en" : "zh-CN");

const hasSetTable = (accountType: AccountType): accountType is PermissionSetAccountType =>
  (SET_ACCOUNT_TYPES as readonly AccountType[]).includes(accountType);

/**
 * The sets an authorization link for this account type may ask for: only those WeChat currently
 * publishes, since a legacy id in category_id_list makes WeChat refuse the page.
 */
export function offeredPermissionSets(accountType: AccountType): PermissionSet[] {
  return hasSetTable(accountType) ? listPermissionSets({ accountType }).filter((set) => set.source === "official_current") : [];
}

export type PermissionSetChoice = {
  id: number;
  name: string;
  /** Another account type has a set of the same name (开放平台账号管理 is 24 and 25): say whose this one is. */
  sharedName: boolean;
  /** From WeChat's legacy table: accounts may still hold it, a new link may not ask for it. */
  legacy: boolean;
};
export type PermissionSetGroup = { accountType: PermissionSetAccountType; sets: PermissionSetChoice[] };

export function permissionSetGroups({ locale, offeredOnly }: { locale: PermissionSetLocale; offeredOnly: boolean }): PermissionSetGroup[] {
  const lists = SET_ACCOUNT_TYPES.map((accountType) => ({
    accountType,
    sets: offeredOnly ? offeredPermissionSets(accountType) : listPermissionSets({ accountType }),
  }));
  const typesByName = new Map<string, Set<PermissionSetAccountType>>();
  for (const { accountType, sets } of lists) {
    for (const set of sets) {
      const name = permissionSetName(set.id, locale);
      typesByName.set(name, (typesByName.get(name) ?? new Set()).add(accountType));
    }
  }
  return lists.map(({ accountType, sets }) => ({
    accountType,
    sets: sets.map((set) => {
      const name = permissionSetName(set.id, locale);
      return { id: set.id, name, sharedName: (typesByName.get(name)?.size ?? 0) > 1, legacy: set.source === "official_legacy" };
    }),
  }));
}
