// 权限集 (funcscope_category) tables. Official account and mini-program rows are WeChat's current permission
// pages as the portal holds them (lib/wechat/funcscope.json, from tests/fixtures/wechat-vectors/funcscope.json;
// both truncated there: after id 113 and inside id 85). WeChat publishes no table for 视频号 or 推客
// accounts; those rows are Senparc's FuncscopeCategory constants (peer_senparc_enum), an informed guess.
import { listPermissionSets as listOfficialSets } from "../../lib/wechat/permission-sets";

export type AccountKind = "official_account" | "mini_program" | "channels" | "promoter";

export type PermissionSet = { id: number; name: string; mutex: boolean };

/** WeChat's current table for the account type, as the portal holds it; a set it leaves unmarked is not mutex. */
const officialSets = (accountType: "official_account" | "mini_program"): readonly PermissionSet[] =>
  listOfficialSets({ accountType })
    .filter((set) => set.source === "official_current")
    .map(({ id, nameZh, mutex }) => ({ id, name: nameZh, mutex: mutex ?? false }));

export const OFFICIAL_ACCOUNT_SETS = officialSets("official_account");

export const MINI_PROGRAM_SETS = officialSets("mini_program");

export const CHANNELS_SETS: readonly PermissionSet[] = [
  { id: 129, name: "视频号小店商品管理", mutex: false },
  { id: 130, name: "视频号小店物流管理", mutex: false },
  { id: 131, name: "视频号小店订单与售后管理", mutex: false },
  { id: 132, name: "视频号小店优惠券管理", mutex: false },
  { id: 133, name: "视频号商品橱窗管理", mutex: false },
  { id: 138, name: "视频号小店资金管理", mutex: false },
  { id: 141, name: "视频号小店优选联盟", mutex: false },
];

export const PROMOTER_SETS: readonly PermissionSet[] = [{ id: 140, name: "小程序推广员", mutex: false }];

const SETS_BY_KIND: Record<AccountKind, readonly PermissionSet[]> = {
  official_account: OFFICIAL_ACCOUNT_SETS,
  mini_program: MINI_PROGRAM_SETS,
  channels: CHANNELS_SETS,
  promoter: PROMOTER_SETS,
};

const ALL_SETS = new Map<number, PermissionSet>(Object.values(SETS_BY_KIND).flatMap((sets) => sets.map((set) => [set.id, set] as const)));

/** The sets an account of this kind can grant: the ones the component "published" (here: all of them). */
export function listPermissionSets(kind: AccountKind): readonly PermissionSet[] {
  return SETS_BY_KIND[kind];
}

export function findPermissionSet(id: number): PermissionSet | undefined {
  return ALL_SETS.get(id);
}

export function isKnownPermissionSet(id: number): boolean {
  return ALL_SETS.has(id);
}

/**
 * Sets WeChat answers with a `confirm_info` block (ids seen with it in real responses: sdk-go, WxJava,
 * silenceper samples), so clients meet both entry shapes.
 */
export const SETS_WITH_CONFIRM_INFO: ReadonlySet<number> = new Set([3, 18, 24, 27, 30, 33]);

/** Permission sets each authorizer API needs; without them WeChat answers 61007. */
export const REQUIRED_SETS = {
  custom_send: { official_account: [1], mini_program: [19] },
  getticket: { official_account: [4] },
} as const;
