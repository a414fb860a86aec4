// 权限集 (funcscope_category) tables, as in tests/fixtures/wechat-vectors/funcscope.json, so the sandbox never
// reads test fixtures at runtime. Official account and mini-program rows come from WeChat's current permission
// pages (both truncated there: after id 113 and inside id 85). WeChat publishes no table for 视频号 or 推客
// accounts; those rows are Senparc's FuncscopeCategory constants (peer_senparc_enum), an informed guess.

export type AccountKind = "official_account" | "mini_program" | "channels" | "promoter";

export type PermissionSet = { id: number; name: string; mutex: boolean };

export const OFFICIAL_ACCOUNT_SETS: readonly PermissionSet[] = [
  { id: 1, name: "消息管理", mutex: false },
  { id: 2, name: "用户管理", mutex: false },
  { id: 3, name: "账号服务", mutex: false },
  { id: 4, name: "网页服务", mutex: true },
  { id: 5, name: "微信小店", mutex: false },
  { id: 6, name: "微信多客服", mutex: false },
  { id: 7, name: "群发与通知", mutex: false },
  { id: 8, name: "微信卡券", mutex: false },
  { id: 9, name: "微信扫一扫", mutex: false },
  { id: 10, name: "微信连WIFI", mutex: false },
  { id: 11, name: "素材管理", mutex: false },
  { id: 12, name: "微信摇周边", mutex: false },
  { id: 13, name: "微信门店", mutex: false },
  { id: 15, name: "菜单管理", mutex: false },
  { id: 22, name: "城市服务", mutex: false },
  { id: 23, name: "广告管理", mutex: false },
  { id: 24, name: "开放平台账号管理", mutex: true },
  { id: 26, name: "微信电子发票", mutex: false },
  { id: 27, name: "快速注册小程序", mutex: false },
  { id: 33, name: "小程序关联管理", mutex: false },
  { id: 34, name: "微信商品库管理", mutex: true },
  { id: 44, name: "好物圈", mutex: false },
  { id: 46, name: "微信一物一码", mutex: false },
  { id: 47, name: "微信财政电子票据", mutex: false },
  { id: 54, name: "服务号对话管理", mutex: true },
  { id: 66, name: "微信服务市场管理", mutex: false },
  { id: 89, name: "服务号订阅通知", mutex: false },
  { id: 113, name: "就医助手", mutex: false },
];

export const MINI_PROGRAM_SETS: readonly PermissionSet[] = [
  { id: 17, name: "获取小程序码", mutex: false },
  { id: 18, name: "小程序开发与数据分析", mutex: true },
  { id: 19, name: "小程序客服管理", mutex: false },
  { id: 25, name: "开放平台账号管理", mutex: true },
  { id: 30, name: "小程序基本信息管理", mutex: false },
  { id: 31, name: "小程序认证名称检测", mutex: false },
  { id: 37, name: "附近的小程序管理", mutex: false },
  { id: 40, name: "小程序插件管理", mutex: true },
  { id: 41, name: "好物圈管理", mutex: true },
  { id: 45, name: "微信物流服务", mutex: true },
  { id: 48, name: "微信财政电子票据管理", mutex: false },
  { id: 49, name: "小程序云开发管理", mutex: true },
  { id: 51, name: "小程序即时配送", mutex: true },
  { id: 52, name: "小程序直播管理", mutex: false },
  { id: 65, name: "小程序广告管理", mutex: false },
  { id: 67, name: "微信服务市场管理", mutex: false },
  { id: 70, name: "标准版交易组件商品管理", mutex: false },
  { id: 71, name: "标准版交易组件订单物流与售后管理", mutex: false },
  { id: 73, name: "标准版交易组件接入", mutex: true },
  { id: 76, name: "小程序违规与交易投诉管理", mutex: true },
  { id: 81, name: "试用小程序快速认证", mutex: true },
  { id: 84, name: "标准版交易组件优惠券管理", mutex: false },
  { id: 85, name: "自定义版交易组件管理", mutex: false },
];

export const CHANNELS_SETS: readonly PermissionSet[] = [
  { id: 129, name: "视频号小店商品管理", mutex: false },
  { id: 130, name: "视频号小店物流管理", mutex: false },
  { id: 131, name: "视频号小店订单与售后管理", mutex: false },
  { id: 132, name: "视频号小店优惠券管理", mutex: false },
  { id: 133, name: "视频号商品橱窗管理", mutex: false },
  { id: 138, name: "视频号小店资金管理", mutex: false },
  { id: 141, name: "视频号小店优选联盟", mutex: false },
];

export const PROMOTER_SETS: readonly PermissionSet[] = [
  { id: 140, name: "小程序推广员", mutex: false },
];

const SETS_BY_KIND: Record<AccountKind, readonly PermissionSet[]> = {
  official_account: OFFICIAL_ACCOUNT_SETS,
  mini_program: MINI_PROGRAM_SETS,
  channels: CHANNELS_SETS,
  promoter: PROMOTER_SETS,
};

const ALL_SETS = new Map<number, PermissionSet>(
  Object.values(SETS_BY_KIND).flatMap((sets) => sets.map((set) => [set.id, set] as const)),
);

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
