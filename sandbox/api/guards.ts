// Checks shared by the API handlers, each failing with the errcode WeChat uses for it.
import type { SandboxContext } from "../core/context";
import { ErrcodeReply } from "../core/errors";
import type { SeededAccount } from "../state/accounts";
import { LIFETIMES } from "../state/issue";
import type { AccountKind } from "../state/permission-sets";
import type { Authorization, AuthorizerToken, ComponentToken } from "../state/types";
import { readString } from "./http";

function checkExpiry(ctx: SandboxContext, token: { expiresAt: number; naturalExpiresAt: number }): void {
  const now = ctx.clock.now();
  if (now < token.expiresAt) return;
  // Cut short by a newer token: WeChat says "not latest" (40001); died of old age: 42001.
  if (token.expiresAt < token.naturalExpiresAt && now < token.naturalExpiresAt) throw new ErrcodeReply(40001);
  throw new ErrcodeReply(42001);
}

export function requireComponentToken(ctx: SandboxContext, query: Record<string, string>): ComponentToken {
  const value = query.component_access_token;
  if (!value) throw new ErrcodeReply(41001);
  const token = ctx.state.data.componentTokens.find((candidate) => candidate.value === value);
  if (!token) throw new ErrcodeReply(40001);
  checkExpiry(ctx, token);
  return token;
}

export function requireComponentAppid(ctx: SandboxContext, body: Record<string, unknown>, field = "component_appid"): void {
  const appid = readString(body, field);
  if (!appid) throw new ErrcodeReply(41002);
  if (appid !== ctx.config.component.appid) throw new ErrcodeReply(40013);
}

export function requireComponentSecret(ctx: SandboxContext, body: Record<string, unknown>, field: string): void {
  const secret = readString(body, field);
  if (!secret) throw new ErrcodeReply(41004);
  if (secret !== ctx.config.component.appsecret) throw new ErrcodeReply(40125);
}

/** The authorizer must exist and currently authorize the component, else 61003. */
export function requireAuthorization(
  ctx: SandboxContext,
  appid: string | undefined,
): { authorization: Authorization; account: SeededAccount } {
  if (!appid) throw new ErrcodeReply(41002);
  const account = ctx.state.findAccount(appid);
  const authorization = ctx.state.findAuthorization(appid);
  if (!account || !authorization || authorization.revokedAt !== undefined) throw new ErrcodeReply(61003);
  return { authorization, account };
}

export function requireAuthorizerToken(
  ctx: SandboxContext,
  query: Record<string, string>,
): { token: AuthorizerToken; authorization: Authorization; account: SeededAccount } {
  const value = query.access_token;
  if (!value) throw new ErrcodeReply(41001);
  const token = ctx.state.data.authorizerTokens.find((candidate) => candidate.value === value);
  if (!token) throw new ErrcodeReply(40001);
  const { authorization, account } = requireAuthorization(ctx, token.authorizerAppid);
  checkExpiry(ctx, token);
  return { token, authorization, account };
}

/** 61007 when the authorizer did not grant the permission set this API belongs to. */
export function requirePermission(
  authorization: Authorization,
  account: SeededAccount,
  required: Partial<Record<AccountKind, readonly number[]>>,
): void {
  const needed = required[account.kind];
  if (!needed) return;
  if (!needed.some((id) => authorization.funcIds.includes(id))) throw new ErrcodeReply(61007);
}

/**
 * Per-API daily quota (per component, or per authorizer when `authorizerAppid` is given); 45009 once
 * spent, until the sandbox day rolls over or clear_quota/v2 resets it.
 */
export function consumeQuota(ctx: SandboxContext, args: { endpoint: string; authorizerAppid?: string }): void {
  const limit = ctx.state.data.quotaLimits[args.endpoint];
  if (limit === undefined) return;
  const now = ctx.clock.now();
  const quota = ctx.state.data.quota;
  if (now - quota.startedAt >= ctx.clock.lifetimeMs(LIFETIMES.quotaDay)) {
    quota.startedAt = now;
    quota.counts = {};
  }
  const key = args.authorizerAppid ? `${args.endpoint}:${args.authorizerAppid}` : args.endpoint;
  const used = quota.counts[key] ?? 0;
  if (used >= limit) throw new ErrcodeReply(45009);
  quota.counts[key] = used + 1;
  ctx.state.changed();
}
