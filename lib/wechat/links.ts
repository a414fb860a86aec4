// Authorization links (授权链接): PC QR page, H5 page inside WeChat, and the mini-program plugin params.
// Bases are parameters so the demo and the tests can point them at the sandbox.
import { z } from "zod";

/** What the authorization page lists: 1 official accounts, 2 mini programs, 3 both, 4 推客, 5 视频号, 6 all. */
export const AUTH_TYPES = { officialAccount: 1, miniProgram: 2, both: 3, promoter: 4, channels: 5, all: 6 } as const;
export type AuthType = 1 | 2 | 3 | 4 | 5 | 6;

// auth_type is required by WeChat; 3 is what WeChat itself assumes when the plugin omits it.
export const DEFAULT_AUTH_TYPE: AuthType = 3;

export class AuthLinkError extends Error {
  readonly fields: string[];

  constructor(message: string, fields: string[]) {
    super(message);
    this.name = "AuthLinkError";
    this.fields = fields;
  }
}

export const appidSchema = z.string().regex(/^wx[0-9a-fA-F]{16}$/, "expected an appid like wx followed by 16 hex characters");

const authTypeSchema = z
  .number()
  .int("auth_type must be an integer")
  .min(1, "auth_type must be between 1 and 6")
  .max(6, "auth_type must be between 1 and 6");

const baseUrlSchema = z.url({ protocol: /^https?$/, error: "expected an http(s) base URL" });

const commonSchema = z.object({
  componentAppid: appidSchema,
  preAuthCode: z.string().regex(/^\S+$/, "pre_auth_code must be non-empty, without whitespace"),
  authType: authTypeSchema.optional(),
  bizAppid: appidSchema.optional(),
  permissionSetIds: z.array(z.number().int().positive("permission set ids are positive integers")).optional(),
});

const redirectSchema = z.url({ protocol: /^https?$/, error: "redirect_uri must be an absolute http(s) URL" });

export type AuthLinkOptions = {
  componentAppid: string;
  preAuthCode: string;
  /** Where WeChat sends the browser after consent, with `auth_code` and `expires_in` appended. */
  redirectUri: string;
  authType?: AuthType;
  /** Pins one account; WeChat lets it win over authType when they disagree. */
  bizAppid?: string;
  /** Permission sets to offer (category_id_list); omitted or empty means every published set. */
  permissionSetIds?: number[];
};

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const paths = result.error.issues.map((issue) => issue.path.join(".") || "(root)");
  const message = result.error.issues.map((issue, index) => `${paths[index]}: ${issue.message}`).join("; ");
  throw new AuthLinkError(`invalid authorization link options: ${message}`, [...new Set(paths)]);
}

function trimBase(base: string): string {
  return base.replace(/\/+$/, "");
}

/** The query shared by the PC and H5 links, in the order of WeChat's documentation. */
function buildAuthQuery(options: AuthLinkOptions): string {
  const pairs: string[] = [
    `component_appid=${encodeURIComponent(options.componentAppid)}`,
    `pre_auth_code=${encodeURIComponent(options.preAuthCode)}`,
    // Encoded exactly once: WeChat decodes it once and redirects to the result, query included.
    `redirect_uri=${encodeURIComponent(options.redirectUri)}`,
    `auth_type=${options.authType ?? DEFAULT_AUTH_TYPE}`,
  ];
  if (options.bizAppid !== undefined) pairs.push(`biz_appid=${encodeURIComponent(options.bizAppid)}`);
  if (options.permissionSetIds !== undefined && options.permissionSetIds.length > 0) {
    // WeChat's documented separator is a literal "|" (ids are digits, nothing else needs encoding).
    pairs.push(`category_id_list=${options.permissionSetIds.join("|")}`);
  }
  return pairs.join("&");
}

function validateLinkOptions(options: AuthLinkOptions): AuthLinkOptions {
  const common = validate(commonSchema, options);
  const redirectUri = validate(z.object({ redirectUri: redirectSchema }), { redirectUri: options.redirectUri }).redirectUri;
  return { ...common, authType: common.authType as AuthType | undefined, redirectUri };
}

/** PC link: WeChat's page shows its own QR code; it must be opened from the 授权发起页域名. */
export function buildPcAuthLink(args: AuthLinkOptions & { mpBase: string }): string {
  const base = validate(z.object({ mpBase: baseUrlSchema }), { mpBase: args.mpBase }).mpBase;
  const options = validateLinkOptions(args);
  return `${trimBase(base)}/cgi-bin/componentloginpage?${buildAuthQuery(options)}`;
}

/** H5 link (current version), opened inside WeChat on a phone. */
export function buildH5AuthLink(args: AuthLinkOptions & { openBase: string }): string {
  const base = validate(z.object({ openBase: baseUrlSchema }), { openBase: args.openBase }).openBase;
  const options = validateLinkOptions(args);
  return `${trimBase(base)}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&${buildAuthQuery(options)}#wechat_redirect`;
}

export type PluginAuthParams = { platformAppID: string; preAuthCode: string; authType: AuthType; bizAppid?: string };

/**
 * Arguments for `requirePlugin('miniprogram-thirdparty-plugin').openAuthorizeAccount(...)`.
 * The plugin has no redirect_uri: completion is learnt from the `authorized` push.
 */
export function buildPluginParams(args: {
  componentAppid: string;
  preAuthCode: string;
  authType?: AuthType;
  bizAppid?: string;
}): PluginAuthParams {
  const options = validate(commonSchema.omit({ permissionSetIds: true }), args);
  const params: PluginAuthParams = {
    platformAppID: options.componentAppid,
    preAuthCode: options.preAuthCode,
    authType: (options.authType ?? DEFAULT_AUTH_TYPE) as AuthType,
  };
  if (options.bizAppid !== undefined) params.bizAppid = options.bizAppid;
  return params;
}
