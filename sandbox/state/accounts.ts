// The accounts an admin "manages" in the sandbox: generated from SANDBOX_SEED so every run with the same seed
// shows the same names, appids and avatars, plus WeChat's fixed release-test (全网发布) accounts.
import { createRng } from "../core/random";
import type { AccountKind } from "./permission-sets";

export type SeededAccount = {
  appid: string;
  kind: AccountKind;
  nickName: string;
  /** Original id (原始ID), `gh_` + 12 hex for accounts, `sph` + id for 视频号. */
  userName: string;
  alias: string;
  principalName: string;
  signature: string;
  /** 0 subscription, 1 subscription upgraded from an old account, 2 service account (mini programs: 0). */
  serviceTypeId: 0 | 1 | 2;
  /** -1 unverified, 0 WeChat-verified, 3 qualified but name not yet verified. */
  verifyTypeId: -1 | 0 | 3;
  avatarColor: string;
  /** WeChat's own 全网发布 test accounts: used by the release check, not listed to merchants. */
  releaseTest: boolean;
  miniProgram?: { categories: { first: string; second: string }[]; requestDomain: string };
};

/** Shop brands for generated names (bench/console-list.ts seeds its rows with them too). */
export const BRANDS = [
  "青禾",
  "云杉",
  "南山",
  "知味",
  "拾光",
  "鹿鸣",
  "半山",
  "橘子",
  "星河",
  "木棉",
  "海盐",
  "晨曦",
  "松果",
  "白露",
  "远山",
  "小满",
];
const CITIES = ["杭州", "成都", "深圳", "苏州", "厦门", "武汉", "西安", "长沙", "南京", "青岛"];
const COMPANY_KINDS = ["餐饮管理", "文化传播", "网络科技", "商贸", "健康管理"];
const OA_SUFFIXES = ["生活馆", "书店", "咖啡", "健身", "花艺", "烘焙", "旅行社"];
const MP_SUFFIXES = ["点餐", "商城", "预约", "会员中心", "小铺"];
const CHANNELS_SUFFIXES = ["的日常", "美食记", "旅行日记", "手作"];
const SIGNATURES = ["认真做好每一件小事", "每天一点新鲜事", "为你挑选城市里的好去处", "慢慢来，比较快", "好好吃饭，好好生活"];
const COLORS = ["#07c160", "#10aeff", "#fa9d3b", "#fa5151", "#6467f0", "#1485ee", "#f5c400", "#2aae67", "#9c6ce8"];
const ALIAS_WORDS = ["shop", "life", "cafe", "book", "fit", "flower", "bake"];
const MP_CATEGORIES = [
  { first: "餐饮服务", second: "点餐平台" },
  { first: "商家自营", second: "服装/内衣" },
  { first: "生活服务", second: "丽人服务" },
  { first: "教育服务", second: "在线教育" },
  { first: "工具", second: "预约/报名" },
];

/** The dedicated test groups WeChat uses for 全网发布 (docs/wechat/event-and-message-urls.md, release checks). */
export const RELEASE_TEST_ACCOUNTS = {
  official_account: [
    { appid: "wx570bc396a51b8ff8", userName: "gh_3c884a361561" },
    { appid: "wx9252c5e0bb1836fc", userName: "gh_c0f28a78b318" },
    { appid: "wx8e1097c5bc82cde9", userName: "gh_3f222ed8d140" },
    { appid: "wx14550af28c71a144", userName: "gh_26128078e9ab" },
    { appid: "wxa35b9c23cfe664eb", userName: "gh_2b3713f184a6" },
  ],
  mini_program: [
    { appid: "wxd101a85aa106f53e", userName: "gh_8dad206e9538" },
    { appid: "wxc39235c15087f6f3", userName: "gh_905ae9d01059" },
    { appid: "wx7720d01d4b2a4500", userName: "gh_393666f1fdf4" },
    { appid: "wx05d483572dcd5d8b", userName: "gh_39abb5d4e1b7" },
    { appid: "wx5910277cae6fd970", userName: "gh_7818dcb60240" },
  ],
} as const;

type Blueprint = { kind: AccountKind; serviceTypeId: 0 | 1 | 2; verifyTypeId: -1 | 0 | 3; personal?: boolean };

// Every combination a portal must handle: both service types, verified and not, personal principals.
const BLUEPRINTS: Blueprint[] = [
  { kind: "official_account", serviceTypeId: 2, verifyTypeId: 0 },
  { kind: "official_account", serviceTypeId: 2, verifyTypeId: -1 },
  { kind: "official_account", serviceTypeId: 0, verifyTypeId: 0 },
  { kind: "official_account", serviceTypeId: 1, verifyTypeId: -1, personal: true },
  { kind: "official_account", serviceTypeId: 0, verifyTypeId: 3 },
  { kind: "mini_program", serviceTypeId: 0, verifyTypeId: 0 },
  { kind: "mini_program", serviceTypeId: 0, verifyTypeId: -1, personal: true },
  { kind: "mini_program", serviceTypeId: 0, verifyTypeId: 0 },
  { kind: "mini_program", serviceTypeId: 0, verifyTypeId: -1 },
  { kind: "channels", serviceTypeId: 0, verifyTypeId: 0 },
  { kind: "channels", serviceTypeId: 0, verifyTypeId: -1, personal: true },
  { kind: "promoter", serviceTypeId: 0, verifyTypeId: -1, personal: true },
];

function suffixFor(kind: AccountKind): readonly string[] {
  if (kind === "official_account") return OA_SUFFIXES;
  if (kind === "mini_program") return MP_SUFFIXES;
  if (kind === "channels") return CHANNELS_SUFFIXES;
  return ["推客"];
}

export function seedAccounts(seed: string): SeededAccount[] {
  const rng = createRng(`${seed}:accounts`);
  const usedNames = new Set<string>();
  const accounts: SeededAccount[] = BLUEPRINTS.map((blueprint) => {
    let nickName = "";
    let brand = "";
    do {
      brand = rng.pick(BRANDS);
      nickName = `${brand}${rng.pick(suffixFor(blueprint.kind))}`;
    } while (usedNames.has(nickName));
    usedNames.add(nickName);
    const city = rng.pick(CITIES);
    const appid = `wx${rng.hex(16)}`;
    const account: SeededAccount = {
      appid,
      kind: blueprint.kind,
      nickName,
      userName:
        blueprint.kind === "channels"
          ? `sph${rng.string(7, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")}`
          : `gh_${rng.hex(12)}`,
      alias: blueprint.kind === "official_account" ? `${rng.pick(ALIAS_WORDS)}${100 + rng.int(900)}` : "",
      principalName: blueprint.personal ? "个人" : `${city}${brand}${rng.pick(COMPANY_KINDS)}有限公司`,
      signature: rng.pick(SIGNATURES),
      serviceTypeId: blueprint.serviceTypeId,
      verifyTypeId: blueprint.verifyTypeId,
      avatarColor: rng.pick(COLORS),
      releaseTest: false,
    };
    if (blueprint.kind === "mini_program") {
      account.miniProgram = {
        categories: [rng.pick(MP_CATEGORIES)],
        requestDomain: `https://api.${rng.hex(6)}.example.com`,
      };
    }
    return account;
  });
  return [...accounts, ...releaseTestAccounts()];
}

function releaseTestAccounts(): SeededAccount[] {
  const kinds = [
    { kind: "official_account", serviceTypeId: 2, avatarColor: "#07c160" },
    { kind: "mini_program", serviceTypeId: 0, avatarColor: "#10aeff" },
  ] as const;
  return kinds.flatMap(({ kind, serviceTypeId, avatarColor }) =>
    RELEASE_TEST_ACCOUNTS[kind].map((entry, index): SeededAccount => ({
      appid: entry.appid,
      kind,
      nickName: `全网发布测试${KIND_LABELS[kind]}${index + 1}`,
      userName: entry.userName,
      alias: "",
      principalName: "深圳市腾讯计算机系统有限公司",
      signature: "第三方平台全网发布自动化测试",
      serviceTypeId,
      verifyTypeId: 0,
      avatarColor,
      releaseTest: true,
      ...(kind === "mini_program"
        ? { miniProgram: { categories: [{ first: "工具", second: "效率" }], requestDomain: "https://weixin.qq.com" } }
        : {}),
    })),
  );
}

export const KIND_LABELS: Record<AccountKind, string> = {
  official_account: "公众号",
  mini_program: "小程序",
  channels: "视频号",
  promoter: "推客账号",
};

export function describeAccount(account: SeededAccount): string {
  if (account.kind === "official_account") {
    const type = account.serviceTypeId === 2 ? "服务号" : "订阅号";
    return `${type} · ${account.verifyTypeId === -1 ? "未认证" : "已认证"}`;
  }
  return `${KIND_LABELS[account.kind]} · ${account.verifyTypeId === -1 ? "未认证" : "已认证"}`;
}
