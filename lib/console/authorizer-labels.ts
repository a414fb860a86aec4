// How the console names an account's kind, verification and token health. WeChat gives numbers
// (service_type_info, verify_type_info) and timestamps; staff need a word and a colour.
import type { AccountType } from "../generated/prisma/enums";

/** What staff call an account: official accounts split by service type. */
export const ACCOUNT_KINDS = ["subscription", "service", "mini_program", "channels", "promoter", "unknown"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export function accountKindOf({ accountType, serviceType }: { accountType: AccountType; serviceType: number | null }): AccountKind {
  if (accountType !== "official_account") return accountType;
  // service_type_info.id: 0 subscription, 1 subscription upgraded from an old account, 2 service account.
  return serviceType === 2 ? "service" : "subscription";
}

export const VERIFICATIONS = ["unverified", "wechat", "qualified", "other", "unknown"] as const;
export type Verification = (typeof VERIFICATIONS)[number];

/** verify_type_info.id: -1 unverified, 0 WeChat-verified, 3-5 qualified but the name not yet verified, 1/2 Weibo. */
export function verificationOf(verifyType: number | null): Verification {
  if (verifyType === null) return "unknown";
  if (verifyType === -1) return "unverified";
  if (verifyType === 0) return "wechat";
  if (verifyType >= 3 && verifyType <= 5) return "qualified";
  return "other";
}

export type TokenHealthState = "ok" | "expiring" | "expired" | "missing" | "disabled" | "failing";

export type CredentialSummary = {
  accessTokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  lastErrorCode: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  disabledAt: Date | null;
};

export type TokenHealth = {
  state: TokenHealthState;
  /** Seconds until the access token expires (negative: expired); null without one. */
  expiresInSeconds: number | null;
  lastRefreshedAt: Date | null;
  lastErrorCode: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
};

/** Below this the background refresh should already have replaced the token. */
const EXPIRING_SECONDS = 10 * 60;

export function tokenHealthOf(credential: CredentialSummary | null, now = new Date()): TokenHealth {
  const base = {
    lastRefreshedAt: credential?.lastRefreshedAt ?? null,
    lastErrorCode: credential?.lastErrorCode ?? null,
    lastError: credential?.lastError ?? null,
    lastErrorAt: credential?.lastErrorAt ?? null,
  };
  if (!credential) return { state: "missing", expiresInSeconds: null, ...base };
  const expiresAt = credential.accessTokenExpiresAt;
  const expiresInSeconds = expiresAt ? Math.round((expiresAt.getTime() - now.getTime()) / 1000) : null;
  if (credential.disabledAt) return { state: "disabled", expiresInSeconds, ...base };
  // An error newer than the last good refresh means the refresh is currently failing.
  const failing = credential.lastErrorAt && (!credential.lastRefreshedAt || credential.lastErrorAt > credential.lastRefreshedAt);
  if (failing) return { state: "failing", expiresInSeconds, ...base };
  if (expiresInSeconds === null) return { state: "missing", expiresInSeconds, ...base };
  if (expiresInSeconds <= 0) return { state: "expired", expiresInSeconds, ...base };
  if (expiresInSeconds < EXPIRING_SECONDS) return { state: "expiring", expiresInSeconds, ...base };
  return { state: "ok", expiresInSeconds, ...base };
}

/** The badge colour for a token state and an authorizer status. */
export const TOKEN_TONE: Record<TokenHealthState, "ok" | "warn" | "bad"> = {
  ok: "ok",
  expiring: "warn",
  missing: "warn",
  expired: "bad",
  disabled: "bad",
  failing: "bad",
};
