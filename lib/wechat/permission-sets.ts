// Permission sets (权限集, funcscope_category ids): names for the console and the authorization UI.
// Chinese names come from WeChat's official tables (funcscope.json); English names are ours.
import type { AccountType } from "../generated/prisma/enums";
import funcscope from "./funcscope.json";

export type PermissionSetLocale = "zh-CN" | "en";
/** The account types WeChat publishes permission sets for (funcscope.json calls mini programs `miniprogram`). */
export type PermissionSetAccountType = Extract<AccountType, "official_account" | "mini_program">;

export type PermissionSet = {
  id: number;
  nameZh: string;
  nameEn: string;
  accountType: PermissionSetAccountType;
  /** 权限集互斥: only one component can hold it per account; null when the table does not say. */
  mutex: boolean | null;
  /** Which official table the Chinese name comes from. */
  source: "official_current" | "official_legacy";
};

type OfficialRow = { name: string; mutex: boolean | null };

const ENGLISH_NAMES: Readonly<Record<number, string>> = {
  1: "Message management",
  2: "User management",
  3: "Account services",
  4: "Web services",
  5: "WeChat Store",
  6: "Multi-agent customer service",
  7: "Mass messages and notifications",
  8: "WeChat Cards and Coupons",
  9: "WeChat Scan",
  10: "WeChat Wi-Fi",
  11: "Media assets",
  12: "Shake nearby",
  13: "WeChat Stores (locations)",
  14: "WeChat Pay",
  15: "Menu management",
  16: "Verification status and info",
  17: "Mini program codes",
  18: "Mini program development and analytics",
  19: "Mini program customer service",
  20: "WeChat login (mini program)",
  21: "Analytics (mini program)",
  22: "City services",
  23: "Ads management",
  24: "Open Platform account management",
  25: "Open Platform account management (mini program)",
  26: "WeChat e-invoices",
  27: "Fast mini program registration",
  30: "Mini program basic info",
  31: "Mini program verified-name check",
  33: "Mini program linking",
  34: "WeChat product library",
  37: "Nearby mini programs",
  40: "Mini program plugins",
  41: "Good Stuff Circle management",
  44: "Good Stuff Circle",
  45: "WeChat logistics",
  46: "WeChat one item one code",
  47: "Government e-receipts",
  48: "Government e-receipts management",
  49: "Cloud development",
  51: "Instant delivery",
  52: "Live streaming",
  54: "Service account conversations",
  65: "Mini program ads",
  66: "WeChat service market",
  67: "WeChat service market (mini program)",
  70: "Standard trade component: products",
  71: "Standard trade component: orders, logistics and after-sales",
  73: "Standard trade component: onboarding",
  76: "Violations and trade complaints",
  81: "Trial mini program fast verification",
  84: "Standard trade component: coupons",
  85: "Custom trade component",
  89: "Service account subscription notices",
  113: "Medical assistant",
};

// The legacy 1..26 list names ids the current tables lack; these are their account types per the legacy doc.
const LEGACY_ACCOUNT_TYPES: Readonly<Record<number, PermissionSetAccountType>> = {
  14: "official_account",
  16: "official_account",
  20: "mini_program",
  21: "mini_program",
};

function buildPermissionSets(): PermissionSet[] {
  const sets = new Map<number, PermissionSet>();
  const tables: [PermissionSetAccountType, Record<string, OfficialRow>][] = [
    ["official_account", funcscope.official_current.official_account.ids as Record<string, OfficialRow>],
    ["mini_program", funcscope.official_current.miniprogram.ids as Record<string, OfficialRow>],
  ];
  for (const [accountType, rows] of tables) {
    for (const [key, row] of Object.entries(rows)) {
      const id = Number(key);
      sets.set(id, {
        id,
        nameZh: row.name,
        nameEn: ENGLISH_NAMES[id] ?? `Permission set ${id}`,
        accountType,
        mutex: row.mutex,
        source: "official_current",
      });
    }
  }
  const legacy = funcscope.official_legacy_list_1_26.ids as Record<string, string>;
  for (const [key, name] of Object.entries(legacy)) {
    const id = Number(key);
    const accountType = LEGACY_ACCOUNT_TYPES[id];
    if (sets.has(id) || accountType === undefined) continue;
    sets.set(id, {
      id,
      nameZh: name,
      nameEn: ENGLISH_NAMES[id] ?? `Permission set ${id}`,
      accountType,
      mutex: null,
      source: "official_legacy",
    });
  }
  return [...sets.values()].sort((a, b) => a.id - b.id);
}

/** Every known permission set, sorted by id. */
export const PERMISSION_SETS: readonly PermissionSet[] = Object.freeze(buildPermissionSets());

const BY_ID = new Map(PERMISSION_SETS.map((set) => [set.id, set]));

export function findPermissionSet(id: number): PermissionSet | undefined {
  return BY_ID.get(id);
}

/** The display name of a permission set; unknown ids (WeChat adds sets regularly) get a generic label. */
export function permissionSetName(id: number, locale: PermissionSetLocale): string {
  const set = BY_ID.get(id);
  if (locale === "en") return set?.nameEn ?? `Permission set ${id}`;
  return set?.nameZh ?? `权限集 ${id}`;
}

/** The sets for one account type (or all), e.g. to build a category_id_list picker. */
export function listPermissionSets(args: { accountType?: PermissionSetAccountType } = {}): PermissionSet[] {
  if (args.accountType === undefined) return [...PERMISSION_SETS];
  return PERMISSION_SETS.filter((set) => set.accountType === args.accountType);
}
