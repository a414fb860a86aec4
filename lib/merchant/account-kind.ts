// How an account is described to a merchant: 服务号 / 订阅号 / 小程序 / 视频号 / 推客, verified or not.
// Pure and client-safe: the result page (server) and the live page (client) use the same words.
import type { AccountType } from "./types";

export type AccountKindKey = "service_account" | "subscription_account" | "mini_program" | "channels" | "promoter" | "account";

export type RequestedAccountType = Exclude<AccountType, "unknown">;

export function getAccountKindKey({ accountType, serviceType }: { accountType: AccountType; serviceType: number | null }): AccountKindKey {
  switch (accountType) {
    case "official_account":
      // service_type_info.id: 0 subscription, 1 subscription upgraded from an old account, 2 service account.
      if (serviceType === 2) return "service_account";
      return serviceType === null ? "account" : "subscription_account";
    case "mini_program":
    case "channels":
    case "promoter":
      return accountType;
    default:
      return "account";
  }
}

/** verify_type_info.id: -1 unverified; 0 and up are kinds of verification. Null when WeChat did not say. */
export function isVerified(verifyType: number | null): boolean | null {
  if (verifyType === null) return null;
  return verifyType !== -1;
}

/** Which kinds of account WeChat lists for an auth_type (1 公众号, 2 小程序, 3 both, 4 推客, 5 视频号, 6 all three). */
export function getRequestedAccountTypes(authType: number): RequestedAccountType[] {
  switch (authType) {
    case 1:
      return ["official_account"];
    case 2:
      return ["mini_program"];
    case 4:
      return ["promoter"];
    case 5:
      return ["channels"];
    case 6:
      return ["official_account", "mini_program", "channels"];
    default:
      return ["official_account", "mini_program"];
  }
}
