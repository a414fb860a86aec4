// Typed client for the component (第三方平台) API. Raw shapes are validated with the schemas in
// api-types.ts and reshaped into the camelCase types below; tokens only ever travel in the query string
// and are never part of an error message (errors carry the path, not the URL).
import type { z } from "zod";
import type { AccountType } from "../generated/prisma/enums";
import {
  errorFieldsSchema,
  rawAcknowledgementSchema,
  rawAuthorizerInfoSchema,
  rawAuthorizerListSchema,
  rawAuthorizerOptionSchema,
  rawAuthorizerTokenSchema,
  rawComponentTokenSchema,
  rawJsapiTicketSchema,
  rawPreAuthCodeSchema,
  rawQueryAuthSchema,
  type RawFuncInfo,
} from "./api-types";
import { WeChatApiError, WeChatTransportError } from "./errors";

export const API_PATHS = {
  startPushTicket: "/cgi-bin/component/api_start_push_ticket",
  componentToken: "/cgi-bin/component/api_component_token",
  createPreAuthCode: "/cgi-bin/component/api_create_preauthcode",
  queryAuth: "/cgi-bin/component/api_query_auth",
  authorizerToken: "/cgi-bin/component/api_authorizer_token",
  authorizerInfo: "/cgi-bin/component/api_get_authorizer_info",
  authorizerList: "/cgi-bin/component/api_get_authorizer_list",
  getAuthorizerOption: "/cgi-bin/component/get_authorizer_option",
  setAuthorizerOption: "/cgi-bin/component/set_authorizer_option",
  clearQuota: "/cgi-bin/component/clear_quota/v2",
  jsapiTicket: "/cgi-bin/ticket/getticket",
  customSend: "/cgi-bin/message/custom/send",
} as const;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_AUTHORIZER_LIST_COUNT = 500;

// ---------------------------------------------------------------------------------------------
// App types
// ---------------------------------------------------------------------------------------------

export type PermissionSetGrant = {
  /** funcscope_category.id, see permission-sets.ts for names. */
  id: number;
  /** Present for sets the admin must confirm separately (confirm_info). */
  confirm?: { needConfirm: boolean; alreadyConfirm: boolean; canConfirm: boolean };
};

export type ComponentToken = { componentAccessToken: string; expiresIn: number };
export type PreAuthCode = { preAuthCode: string; expiresIn: number };

export type AuthorizationGrant = {
  authorizerAppid: string;
  authorizerAccessToken: string;
  expiresIn: number;
  /** Only given at authorization time (and by get_authorizer_info/list); losing it means re-authorizing. */
  authorizerRefreshToken: string;
  permissionSets: PermissionSetGrant[];
};

export type AuthorizerToken = {
  authorizerAccessToken: string;
  expiresIn: number;
  /** WeChat may rotate the refresh token; store it when present. */
  authorizerRefreshToken?: string;
};

/** What WeChat's authorizer info tells apart: mini programs (MiniProgramInfo) from the rest. */
export type ProfileAccountType = Extract<AccountType, "official_account" | "mini_program">;

export type AuthorizerProfile = {
  accountType: ProfileAccountType;
  nickName?: string;
  headImg?: string;
  userName?: string;
  principalName?: string;
  alias?: string;
  qrcodeUrl?: string;
  signature?: string;
  /** Official accounts: 0/1 subscription account, 2 service account. */
  serviceTypeId?: number;
  /** -1 means unverified. */
  verifyTypeId?: number;
  isVerified?: boolean;
  businessInfo?: Record<string, number>;
  miniProgram?: {
    categories: { first: string; second: string }[];
    network?: Record<string, string[]>;
    visitStatus?: number;
  };
};

export type AuthorizerInfo = {
  profile: AuthorizerProfile;
  authorization: { authorizerAppid: string; authorizerRefreshToken?: string; permissionSets: PermissionSetGrant[] };
};

export type AuthorizerListItem = { authorizerAppid: string; refreshToken?: string; authTime: Date };
export type AuthorizerList = { totalCount: number; items: AuthorizerListItem[] };

export type AuthorizerOptionName = "location_report" | "voice_recognize" | "customer_service";
export type AuthorizerOption = { optionName: string; optionValue: string };

export type JsapiTicket = { ticket: string; expiresIn: number };

/** A customer-service message body as WeChat expects it (`touser`, `msgtype`, and the type's payload). */
export type CustomMessage = { touser: string; msgtype: string } & Record<string, unknown>;

export function buildTextCustomMessage(args: { toUser: string; content: string }): CustomMessage {
  return { touser: args.toUser, msgtype: "text", text: { content: args.content } };
}

// ---------------------------------------------------------------------------------------------
// Reshaping
// ---------------------------------------------------------------------------------------------

function toPermissionSets(funcInfo: RawFuncInfo[]): PermissionSetGrant[] {
  return funcInfo.map((entry) => {
    const grant: PermissionSetGrant = { id: entry.funcscope_category.id };
    if (entry.confirm_info !== undefined) {
      grant.confirm = {
        needConfirm: entry.confirm_info.need_confirm === 1,
        alreadyConfirm: entry.confirm_info.already_confirm === 1,
        canConfirm: entry.confirm_info.can_confirm === 1,
      };
    }
    return grant;
  });
}

function toAuthorizerInfo(raw: z.infer<typeof rawAuthorizerInfoSchema>, requestedAppid: string): AuthorizerInfo {
  const info = raw.authorizer_info;
  const profile: AuthorizerProfile = {
    // MiniProgramInfo is WeChat's documented marker for a mini program.
    accountType: info.MiniProgramInfo !== undefined ? "mini_program" : "official_account",
    nickName: info.nick_name,
    headImg: info.head_img,
    userName: info.user_name,
    principalName: info.principal_name,
    alias: info.alias,
    qrcodeUrl: info.qrcode_url,
    signature: info.signature,
    serviceTypeId: info.service_type_info?.id,
    verifyTypeId: info.verify_type_info?.id,
    isVerified: info.verify_type_info === undefined ? undefined : info.verify_type_info.id !== -1,
    businessInfo: info.business_info,
  };
  if (info.MiniProgramInfo !== undefined) {
    profile.miniProgram = {
      categories: (info.MiniProgramInfo.categories ?? []).map((category) => ({ first: category.first, second: category.second })),
      network: info.MiniProgramInfo.network,
      visitStatus: info.MiniProgramInfo.visit_status,
    };
  }
  const authorization = raw.authorization_info;
  return {
    profile,
    authorization: {
      // Old responses name the field differently; the appid asked about is the fallback.
      authorizerAppid: authorization.authorizer_appid ?? authorization.authorization_appid ?? authorization.appid ?? requestedAppid,
      authorizerRefreshToken: authorization.authorizer_refresh_token,
      permissionSets: toPermissionSets(authorization.func_info),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export type ComponentApiOptions = {
  /** e.g. https://api.weixin.qq.com, or the sandbox. */
  apiBase: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

type CallArgs<T> = {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  schema: z.ZodType<T>;
};

async function readJson(response: Response, endpoint: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new WeChatTransportError({
      kind: "invalid-json",
      endpoint,
      status: response.status,
      message: "response is not JSON",
      cause: error,
    });
  }
}

export function createComponentApi(options: ComponentApiOptions) {
  const apiBase = options.apiBase.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call<T>(args: CallArgs<T>): Promise<T> {
    const endpoint = args.path;
    const search = args.query === undefined ? "" : `?${new URLSearchParams(args.query).toString()}`;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced against the request as well as passed as its signal, so a fetch that ignores the signal
    // still cannot hold a caller (and a token refresh lock) past the deadline.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new WeChatTransportError({ kind: "timeout", endpoint, message: `no complete answer within ${timeoutMs} ms` }));
      }, timeoutMs);
    });
    deadline.catch(() => undefined);

    let payload: unknown;
    let status: number;
    try {
      let response: Response;
      try {
        response = await Promise.race([
          fetchImpl(`${apiBase}${args.path}${search}`, {
            method: args.method,
            headers:
              args.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
            body: args.body === undefined ? undefined : JSON.stringify(args.body),
            signal: controller.signal,
          }),
          deadline,
        ]);
      } catch (error) {
        if (error instanceof WeChatTransportError) throw error;
        if (controller.signal.aborted) {
          throw new WeChatTransportError({ kind: "timeout", endpoint, message: `no answer within ${timeoutMs} ms` });
        }
        // Only a summary: fetch errors can echo the URL, which holds the token.
        throw new WeChatTransportError({ kind: "network", endpoint, message: `network error: ${describeCause(error)}` });
      }
      status = response.status;
      if (!response.ok) {
        throw new WeChatTransportError({ kind: "http", endpoint, status, message: `HTTP ${status}` });
      }
      try {
        payload = await Promise.race([readJson(response, endpoint), deadline]);
      } catch (error) {
        if (error instanceof WeChatTransportError) throw error;
        if (controller.signal.aborted) {
          throw new WeChatTransportError({ kind: "timeout", endpoint, message: `body not received within ${timeoutMs} ms` });
        }
        throw new WeChatTransportError({ kind: "network", endpoint, status, message: `reading the body failed: ${describeCause(error)}` });
      }
    } finally {
      clearTimeout(timer);
    }

    const errorFields = errorFieldsSchema.safeParse(payload);
    if (!errorFields.success) {
      throw new WeChatTransportError({ kind: "unexpected-response", endpoint, status, message: "response is not a JSON object" });
    }
    const errcode = errorFields.data.errcode;
    if (errcode !== undefined && errcode !== 0) {
      throw new WeChatApiError({ errcode, errmsg: errorFields.data.errmsg ?? "", endpoint });
    }
    const parsed = args.schema.safeParse(payload);
    if (!parsed.success) {
      // Paths and zod messages only: values could be tokens.
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
      throw new WeChatTransportError({ kind: "unexpected-response", endpoint, status, message: `unexpected response shape: ${issues}` });
    }
    return parsed.data;
  }

  /** A component API: the component_access_token in the query, the component_appid first in the body. */
  const postAsComponent = <T>(
    caller: { componentAccessToken: string; componentAppid: string },
    { path, body = {}, schema }: { path: string; body?: Record<string, unknown>; schema: z.ZodType<T> },
  ) =>
    call({
      method: "POST",
      path,
      query: { component_access_token: caller.componentAccessToken },
      body: { component_appid: caller.componentAppid, ...body },
      schema,
    });

  /** An API called on an authorizer's behalf: its access_token in the query. */
  const postAsAuthorizer = <T>(
    authorizerAccessToken: string,
    { path, body, schema }: { path: string; body: unknown; schema: z.ZodType<T> },
  ) => call({ method: "POST", path, query: { access_token: authorizerAccessToken }, body, schema });

  return {
    /** Asks WeChat to push a component_verify_ticket now (after a restart, or when the ticket is missing). */
    async startPushTicket(args: { componentAppid: string; componentSecret: string }): Promise<void> {
      await call({
        method: "POST",
        path: API_PATHS.startPushTicket,
        body: { component_appid: args.componentAppid, component_secret: args.componentSecret },
        schema: rawAcknowledgementSchema,
      });
    },

    async getComponentToken(args: {
      componentAppid: string;
      componentAppsecret: string;
      componentVerifyTicket: string;
    }): Promise<ComponentToken> {
      const raw = await call({
        method: "POST",
        path: API_PATHS.componentToken,
        body: {
          component_appid: args.componentAppid,
          component_appsecret: args.componentAppsecret,
          component_verify_ticket: args.componentVerifyTicket,
        },
        schema: rawComponentTokenSchema,
      });
      return { componentAccessToken: raw.component_access_token, expiresIn: raw.expires_in };
    },

    async createPreAuthCode(args: { componentAccessToken: string; componentAppid: string }): Promise<PreAuthCode> {
      const raw = await postAsComponent(args, { path: API_PATHS.createPreAuthCode, schema: rawPreAuthCodeSchema });
      return { preAuthCode: raw.pre_auth_code, expiresIn: raw.expires_in };
    },

    /** Exchanges an auth_code (redirect or `authorized` push) for the authorizer's tokens. */
    async queryAuth(args: {
      componentAccessToken: string;
      componentAppid: string;
      authorizationCode: string;
    }): Promise<AuthorizationGrant> {
      const raw = await postAsComponent(args, {
        path: API_PATHS.queryAuth,
        body: { authorization_code: args.authorizationCode },
        schema: rawQueryAuthSchema,
      });
      const info = raw.authorization_info;
      return {
        authorizerAppid: info.authorizer_appid,
        authorizerAccessToken: info.authorizer_access_token,
        expiresIn: info.expires_in,
        authorizerRefreshToken: info.authorizer_refresh_token,
        permissionSets: toPermissionSets(info.func_info),
      };
    },

    async getAuthorizerToken(args: {
      componentAccessToken: string;
      componentAppid: string;
      authorizerAppid: string;
      authorizerRefreshToken: string;
    }): Promise<AuthorizerToken> {
      const raw = await postAsComponent(args, {
        path: API_PATHS.authorizerToken,
        body: { authorizer_appid: args.authorizerAppid, authorizer_refresh_token: args.authorizerRefreshToken },
        schema: rawAuthorizerTokenSchema,
      });
      const token: AuthorizerToken = { authorizerAccessToken: raw.authorizer_access_token, expiresIn: raw.expires_in };
      if (raw.authorizer_refresh_token !== undefined && raw.authorizer_refresh_token !== "") {
        token.authorizerRefreshToken = raw.authorizer_refresh_token;
      }
      return token;
    },

    async getAuthorizerInfo(args: {
      componentAccessToken: string;
      componentAppid: string;
      authorizerAppid: string;
    }): Promise<AuthorizerInfo> {
      const raw = await postAsComponent(args, {
        path: API_PATHS.authorizerInfo,
        body: { authorizer_appid: args.authorizerAppid },
        schema: rawAuthorizerInfoSchema,
      });
      return toAuthorizerInfo(raw, args.authorizerAppid);
    },

    async getAuthorizerList(args: {
      componentAccessToken: string;
      componentAppid: string;
      offset: number;
      count: number;
    }): Promise<AuthorizerList> {
      if (!Number.isInteger(args.count) || args.count < 1 || args.count > MAX_AUTHORIZER_LIST_COUNT) {
        throw new RangeError(`count must be an integer between 1 and ${MAX_AUTHORIZER_LIST_COUNT}`);
      }
      if (!Number.isInteger(args.offset) || args.offset < 0) throw new RangeError("offset must be a non-negative integer");
      const raw = await postAsComponent(args, {
        path: API_PATHS.authorizerList,
        body: { offset: args.offset, count: args.count },
        schema: rawAuthorizerListSchema,
      });
      return {
        totalCount: raw.total_count,
        items: raw.list.map((item) => {
          const entry: AuthorizerListItem = { authorizerAppid: item.authorizer_appid, authTime: new Date(item.auth_time * 1000) };
          if (item.refresh_token !== undefined && item.refresh_token !== "") entry.refreshToken = item.refresh_token;
          return entry;
        }),
      };
    },

    async getAuthorizerOption(args: { authorizerAccessToken: string; optionName: AuthorizerOptionName }): Promise<AuthorizerOption> {
      const raw = await postAsAuthorizer(args.authorizerAccessToken, {
        path: API_PATHS.getAuthorizerOption,
        body: { option_name: args.optionName },
        schema: rawAuthorizerOptionSchema,
      });
      return { optionName: raw.option_name, optionValue: raw.option_value };
    },

    async setAuthorizerOption(args: {
      authorizerAccessToken: string;
      optionName: AuthorizerOptionName;
      optionValue: string;
    }): Promise<void> {
      await postAsAuthorizer(args.authorizerAccessToken, {
        path: API_PATHS.setAuthorizerOption,
        body: { option_name: args.optionName, option_value: args.optionValue },
        schema: rawAcknowledgementSchema,
      });
    },

    /** Resets the component's (or, with `appid`, an account's) API quota; WeChat allows 10 a month. */
    async clearQuota(args: { componentAppid: string; appsecret: string; appid?: string }): Promise<void> {
      const body: Record<string, string> = { component_appid: args.componentAppid, appsecret: args.appsecret };
      if (args.appid !== undefined) body.appid = args.appid;
      await call({ method: "POST", path: API_PATHS.clearQuota, body, schema: rawAcknowledgementSchema });
    },

    async getJsapiTicket(args: { authorizerAccessToken: string }): Promise<JsapiTicket> {
      const raw = await call({
        method: "GET",
        path: API_PATHS.jsapiTicket,
        query: { access_token: args.authorizerAccessToken, type: "jsapi" },
        schema: rawJsapiTicketSchema,
      });
      return { ticket: raw.ticket, expiresIn: raw.expires_in };
    },

    async sendCustomMessage(args: { authorizerAccessToken: string; message: CustomMessage }): Promise<void> {
      await postAsAuthorizer(args.authorizerAccessToken, {
        path: API_PATHS.customSend,
        body: args.message,
        schema: rawAcknowledgementSchema,
      });
    },
  };
}

export type ComponentApi = ReturnType<typeof createComponentApi>;

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return "unknown error";
  // undici wraps the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = cause !== null && typeof cause === "object" && "code" in cause ? String((cause as { code: unknown }).code) : undefined;
  return code === undefined ? error.name : `${error.name} (${code})`;
}
