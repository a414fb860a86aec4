// The component's own APIs (/cgi-bin/component/api_*), called with component_access_token or the secret.
import type { SandboxContext } from "../core/context";
import { OK_BODY, ErrcodeReply } from "../core/errors";
import { pushVerifyTicket } from "../push/events";
import { LIFETIMES, issueAuthorizerToken, issueComponentToken, issuePreAuthCode, issueRefreshToken } from "../state/issue";
import { consumeQuota, requireAuthorization, requireComponentAppid, requireComponentSecret, requireComponentToken } from "./guards";
import { readString, type ApiHandler } from "./http";
import { buildAuthorizerInfo, buildFuncInfo } from "./shapes";

export const startPushTicket: ApiHandler = (ctx, { body }) => {
  requireComponentAppid(ctx, body);
  requireComponentSecret(ctx, body, "component_secret");
  void pushVerifyTicket(ctx).delivery;
  return { body: { ...OK_BODY } };
};

export const createComponentToken: ApiHandler = (ctx, { body }) => {
  requireComponentAppid(ctx, body);
  requireComponentSecret(ctx, body, "component_appsecret");
  consumeQuota(ctx, { endpoint: "api_component_token" });
  const value = readString(body, "component_verify_ticket");
  // Only tickets this sandbox pushed exist; they live 12 h (61006 unknown, 61005 expired).
  const ticket = value ? ctx.state.data.tickets.find((candidate) => candidate.value === value) : undefined;
  if (!ticket) throw new ErrcodeReply(61006);
  if (ctx.clock.now() >= ticket.expiresAt) throw new ErrcodeReply(61005);
  const token = issueComponentToken(ctx);
  return { body: { component_access_token: token.value, expires_in: ctx.clock.expiresIn(LIFETIMES.componentToken) } };
};

export const createPreAuthCode: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  consumeQuota(ctx, { endpoint: "api_create_preauthcode" });
  const code = issuePreAuthCode(ctx);
  return { body: { pre_auth_code: code.value, expires_in: ctx.clock.expiresIn(LIFETIMES.preAuthCode) } };
};

export const queryAuth: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  consumeQuota(ctx, { endpoint: "api_query_auth" });
  const value = readString(body, "authorization_code");
  const code = value ? ctx.state.data.authCodes.find((candidate) => candidate.value === value) : undefined;
  // A used code is as good as an unknown one: 61009. Expired: 61010.
  if (!code || code.usedAt !== undefined) throw new ErrcodeReply(61009);
  if (ctx.clock.now() >= code.expiresAt) throw new ErrcodeReply(61010);
  const { authorization } = requireAuthorization(ctx, code.authorizerAppid);
  code.usedAt = ctx.clock.now();
  const token = issueAuthorizerToken(ctx, { authorizerAppid: code.authorizerAppid, origin: { kind: "query_auth", code: code.value } });
  return {
    authorizerAppid: code.authorizerAppid,
    body: {
      authorization_info: {
        authorizer_appid: code.authorizerAppid,
        authorizer_access_token: token.value,
        expires_in: ctx.clock.expiresIn(LIFETIMES.authorizerToken),
        authorizer_refresh_token: authorization.refreshToken,
        func_info: buildFuncInfo(code.funcIds),
      },
    },
  };
};

function acceptsRefreshToken(
  ctx: SandboxContext,
  args: { current: string; previous?: { value: string; validUntil: number }; offered: string },
): boolean {
  if (args.offered === args.current) return true;
  return args.previous !== undefined && args.previous.value === args.offered && ctx.clock.now() < args.previous.validUntil;
}

export const refreshAuthorizerToken: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  const { authorization } = requireAuthorization(ctx, readString(body, "authorizer_appid"));
  consumeQuota(ctx, { endpoint: "api_authorizer_token", authorizerAppid: authorization.authorizerAppid });
  const offered = readString(body, "authorizer_refresh_token") ?? "";
  if (!acceptsRefreshToken(ctx, { current: authorization.refreshToken, previous: authorization.previousRefreshToken, offered })) {
    throw new ErrcodeReply(61023);
  }
  authorization.refreshCount += 1;
  const every = ctx.config.rotateRefreshEvery;
  if (every > 0 && authorization.refreshCount % every === 0) {
    // Rotation: WeChat may hand back a new refresh token; the old one keeps working for a while.
    authorization.previousRefreshToken = {
      value: authorization.refreshToken,
      validUntil: ctx.clock.now() + ctx.clock.lifetimeMs(LIFETIMES.refreshTokenGrace),
    };
    authorization.refreshToken = issueRefreshToken(ctx);
  }
  const token = issueAuthorizerToken(ctx, { authorizerAppid: authorization.authorizerAppid, origin: { kind: "refresh" } });
  ctx.state.changed();
  return {
    authorizerAppid: authorization.authorizerAppid,
    body: {
      authorizer_access_token: token.value,
      expires_in: ctx.clock.expiresIn(LIFETIMES.authorizerToken),
      authorizer_refresh_token: authorization.refreshToken,
    },
  };
};

export const getAuthorizerInfo: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  consumeQuota(ctx, { endpoint: "api_get_authorizer_info" });
  const { authorization, account } = requireAuthorization(ctx, readString(body, "authorizer_appid"));
  return {
    authorizerAppid: account.appid,
    body: {
      authorizer_info: buildAuthorizerInfo(ctx, account),
      authorization_info: {
        authorizer_appid: account.appid,
        authorizer_refresh_token: authorization.refreshToken,
        func_info: buildFuncInfo(authorization.funcIds),
      },
    },
  };
};

const MAX_LIST_COUNT = 500;

export const getAuthorizerList: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  const offset = Number(body.offset ?? 0);
  const count = Number(body.count);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 1 || count > MAX_LIST_COUNT) {
    throw new ErrcodeReply(40097);
  }
  consumeQuota(ctx, { endpoint: "api_get_authorizer_list" });
  const active = ctx.state.data.authorizations
    .filter((authorization) => authorization.revokedAt === undefined)
    .sort((left, right) => left.authTimeUnix - right.authTimeUnix || left.authorizerAppid.localeCompare(right.authorizerAppid));
  return {
    body: {
      total_count: active.length,
      list: active.slice(offset, offset + count).map((authorization) => ({
        authorizer_appid: authorization.authorizerAppid,
        refresh_token: authorization.refreshToken,
        auth_time: authorization.authTimeUnix,
      })),
    },
  };
};

const MONTHLY_CLEARS = 10;

export const clearQuota: ApiHandler = (ctx, { body }) => {
  requireComponentAppid(ctx, body);
  requireComponentSecret(ctx, body, "appsecret");
  const appid = readString(body, "appid");
  if (appid) requireAuthorization(ctx, appid);
  const now = ctx.clock.now();
  const monthAgo = now - ctx.clock.lifetimeMs(LIFETIMES.clearQuotaMonth);
  ctx.state.data.clearQuotaUses = ctx.state.data.clearQuotaUses.filter((at) => at > monthAgo);
  if (ctx.state.data.clearQuotaUses.length >= MONTHLY_CLEARS) throw new ErrcodeReply(48006);
  ctx.state.data.clearQuotaUses.push(now);
  const counts = ctx.state.data.quota.counts;
  for (const key of Object.keys(counts)) {
    const belongsToAuthorizer = key.includes(":");
    if (appid ? key.endsWith(`:${appid}`) : !belongsToAuthorizer) delete counts[key];
  }
  ctx.state.changed();
  return { body: { ...OK_BODY }, ...(appid ? { authorizerAppid: appid } : {}) };
};
