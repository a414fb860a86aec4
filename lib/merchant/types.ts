// What the merchant pages and their public JSON API show of an attempt: never the state, the
// tokens or anything the merchant's own browser should not hold. Client-safe (types only).

export type AttemptStatus = "pending" | "completed" | "failed" | "expired" | "cancelled";

// The one account-type vocabulary is the database's (lib/wechat maps WeChat's words to it).
export type { AccountType } from "../generated/prisma/enums";
import type { AccountType } from "../generated/prisma/enums";

export type NamedPermissionSet = { id: number; name: { "zh-CN": string; en: string } };

export type PublicAuthorizer = {
  appid: string;
  nickName: string | null;
  headImg: string | null;
  accountType: AccountType;
  /** service_type_info.id: 0/1 subscription account, 2 service account. */
  serviceType: number | null;
  /** verify_type_info.id: -1 unverified. */
  verifyType: number | null;
};

export type AttemptFailure = { reason: string; errcode: number | null };

export type PublicAttempt = {
  id: string;
  status: AttemptStatus;
  authType: number;
  bizAppid: string | null;
  /** Asked for (category_id_list); empty means every published set. */
  requestedPermissionSets: NamedPermissionSet[];
  /** Until when the attempt (its QR code) is offered; then it is expired. */
  expiresAt: string;
  /** The same, relative to the answer, so a wrong clock on the merchant's computer does not matter (0 unless pending). */
  expiresInMs: number;
  /** The portal's phone page: what the QR code encodes. */
  phoneUrl: string;
  /**
   * WeChat's PC and H5 authorization pages for the current pre_auth_code; null unless pending with
   * a live code (one is asked for only when the merchant is about to use it: POST .../renew).
   */
  links: { pc: string; h5: string } | null;
  /** How long the code behind `links` has left; null without one. */
  codeExpiresInMs: number | null;
  authorizer: PublicAuthorizer | null;
  /** What the admin actually granted (may be fewer than asked). */
  grantedPermissionSets: NamedPermissionSet[] | null;
  /**
   * Asked for and not granted: the admin unticked them on WeChat's page. When the link named no sets,
   * every set WeChat offers an account of this kind. Null unless completed.
   */
  withheldPermissionSets: NamedPermissionSet[] | null;
  failure: AttemptFailure | null;
  /**
   * Once the attempt has ended, where the merchant goes back to: the provider's return_url with the
   * outcome in its query (null without one, or while pending).
   */
  returnTo: string | null;
};
