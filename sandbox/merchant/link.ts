// Reading an authorization link (PC componentloginpage or H5 bindcomponent) the way WeChat does, refusing
// with WeChat's own wording. The strings are those of WeChat's authorization pages (authorize/confirm.js,
// authorize/auth_login.js on mp.weixin.qq.com).
import type { SandboxContext } from "../core/context";
import { isKnownPermissionSet } from "../state/permission-sets";
import type { PreAuthCode } from "../state/types";

export const REFUSALS = {
  domain: (host: string | undefined) =>
    `请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。授权入口页所在域名：${host || "空"}`,
  missingComponentAppid: "参数缺少componentappid",
  invalidComponentAppid: "ComponentAppID非法",
  missingPreAuthCode: "参数缺少preauthcode",
  invalidPreAuthCode: "PreAuthCode无效",
  expiredPreAuthCode: "授权已经失效，请关闭本页重新发起授权",
  usedPreAuthCode: "预授权码已经被授权过，不能重复使用，请重新从源头页面进入授权页",
  missingRedirectUri: "参数缺少redirecturl",
  invalidParams: "授权参数错误，请检查",
  invalidCategoryList: "不合法的权限集列表，请检查",
  invalidPermissionSets: "授权的权限集不合法",
  qrExpired: "二维码失效",
} as const;

export type RefusalCode =
  | "domain"
  | "component_appid"
  | "pre_auth_code_missing"
  | "pre_auth_code_invalid"
  | "pre_auth_code_expired"
  | "pre_auth_code_used"
  | "redirect_uri"
  | "params"
  | "category_id_list";

export type Refusal = { code: RefusalCode; message: string };

export type AuthorizationLink = {
  preAuthCode: string;
  redirectUri: string;
  authType: number;
  bizAppid?: string;
  categoryIds?: number[];
};

/** host[:port] of the Referer, or undefined when absent or unparsable. */
export function refererHost(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).host;
  } catch {
    return undefined;
  }
}

/** Where a pre_auth_code stands; shared by the link pages and the confirm step. */
export function checkPreAuthCode(ctx: SandboxContext, value: string): { preAuthCode: PreAuthCode; refusal?: never } | { refusal: Refusal } {
  const preAuthCode = ctx.state.data.preAuthCodes.find((candidate) => candidate.value === value);
  if (!preAuthCode) return { refusal: { code: "pre_auth_code_invalid", message: REFUSALS.invalidPreAuthCode } };
  if (preAuthCode.usedAt !== undefined) return { refusal: { code: "pre_auth_code_used", message: REFUSALS.usedPreAuthCode } };
  if (ctx.clock.now() >= preAuthCode.expiresAt) {
    return { refusal: { code: "pre_auth_code_expired", message: REFUSALS.expiredPreAuthCode } };
  }
  return { preAuthCode };
}

export function readAuthorizationLink(
  ctx: SandboxContext,
  args: { query: Record<string, string>; referer: string | undefined },
): { link: AuthorizationLink; refusal?: never } | { refusal: Refusal } {
  const { query } = args;
  if (!query.component_appid) return { refusal: { code: "params", message: REFUSALS.missingComponentAppid } };
  if (query.component_appid !== ctx.config.component.appid) return { refusal: { code: "params", message: REFUSALS.invalidComponentAppid } };

  // WeChat only opens the page when navigated to from the 授权发起页域名 (it reads the Referer).
  const host = refererHost(args.referer);
  if (host !== ctx.config.authDomain) return { refusal: { code: "domain", message: REFUSALS.domain(host) } };

  if (!query.pre_auth_code) return { refusal: { code: "pre_auth_code_missing", message: REFUSALS.missingPreAuthCode } };
  const preAuth = checkPreAuthCode(ctx, query.pre_auth_code);
  if (preAuth.refusal) return preAuth;

  if (!query.redirect_uri) return { refusal: { code: "redirect_uri", message: REFUSALS.missingRedirectUri } };
  if (!isHttpUrl(query.redirect_uri)) return { refusal: { code: "redirect_uri", message: REFUSALS.invalidParams } };

  // auth_type is required by the docs but WeChat shows both kinds when it is missing.
  const authType = query.auth_type === undefined || query.auth_type === "" ? 3 : Number(query.auth_type);
  if (!Number.isInteger(authType) || authType < 1 || authType > 6) return { refusal: { code: "params", message: REFUSALS.invalidParams } };

  let categoryIds: number[] | undefined;
  if (query.category_id_list) {
    const parts = query.category_id_list.split("|").map((part) => part.trim());
    const ids = parts.map(Number);
    if (ids.some((id, index) => parts[index] === "" || !Number.isInteger(id) || !isKnownPermissionSet(id))) {
      return { refusal: { code: "category_id_list", message: REFUSALS.invalidCategoryList } };
    }
    categoryIds = ids;
  }

  return {
    link: {
      preAuthCode: query.pre_auth_code,
      redirectUri: query.redirect_uri,
      authType,
      ...(query.biz_appid ? { bizAppid: query.biz_appid } : {}),
      ...(categoryIds ? { categoryIds } : {}),
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** redirect_uri?auth_code=…&expires_in=…, keeping the redirect_uri's own query (and fragment). */
export function buildRedirect(args: { redirectUri: string; authCode: string; expiresIn: number }): string {
  const url = new URL(args.redirectUri);
  url.searchParams.set("auth_code", args.authCode);
  url.searchParams.set("expires_in", String(args.expiresIn));
  return url.toString();
}
