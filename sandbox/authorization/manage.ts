// What happens at WeChat when a merchant admin authorizes, changes or revokes: state first, then the
// matching push (authorized / updateauthorized / unauthorized), exactly once per action.
import { unixNow } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { pushAuthorizationEvent, pushUnauthorized } from "../push/events";
import { issueAuthCode, issueRefreshToken } from "../state/issue";
import { listPermissionSets } from "../state/permission-sets";
import type { AuthCode, AuthCodeSource, Delivery } from "../state/types";

export class AuthorizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthorizationError";
  }
}

export type GrantResult = {
  code: AuthCode;
  infoType: "authorized" | "updateauthorized";
  delivery?: Promise<Delivery>;
};

/** Sets valid for this account, in WeChat's order; unknown or foreign ids are refused. */
export function normalizeFuncIds(ctx: SandboxContext, appid: string, ids: readonly number[]): number[] {
  const account = ctx.state.findAccount(appid);
  if (!account) throw new AuthorizationError(`unknown account ${appid}`);
  const allowed = listPermissionSets(account.kind).map((set) => set.id);
  const invalid = ids.filter((id) => !allowed.includes(id));
  if (invalid.length > 0) throw new AuthorizationError(`permission sets ${invalid.join(", ")} do not apply to ${appid}`);
  const chosen = allowed.filter((id) => ids.includes(id));
  if (chosen.length === 0) throw new AuthorizationError("at least one permission set is required");
  return chosen;
}

export function grantAuthorization(
  ctx: SandboxContext,
  args: { appid: string; funcIds: readonly number[]; source: AuthCodeSource; preAuthCode?: string; push?: boolean },
): GrantResult {
  const funcIds = normalizeFuncIds(ctx, args.appid, args.funcIds);
  const existing = ctx.state.findAuthorization(args.appid);
  const active = existing !== undefined && existing.revokedAt === undefined;
  if (existing && active) {
    existing.funcIds = funcIds;
  } else if (existing) {
    // Authorizing again after a revoke starts a new relationship: new refresh token, new auth time, and
    // the tokens issued before the revoke stay dead.
    ctx.state.data.authorizerTokens = ctx.state.data.authorizerTokens.filter((token) => token.authorizerAppid !== args.appid);
    ctx.state.data.jsapiTickets = ctx.state.data.jsapiTickets.filter((ticket) => ticket.authorizerAppid !== args.appid);
    existing.funcIds = funcIds;
    existing.refreshToken = issueRefreshToken(ctx);
    delete existing.previousRefreshToken;
    delete existing.revokedAt;
    existing.refreshCount = 0;
    existing.authTimeUnix = unixNow();
  } else {
    ctx.state.data.authorizations.push({
      authorizerAppid: args.appid,
      funcIds,
      refreshToken: issueRefreshToken(ctx),
      refreshCount: 0,
      authTimeUnix: unixNow(),
      options: {},
    });
  }
  const code = issueAuthCode(ctx, {
    authorizerAppid: args.appid,
    funcIds,
    source: args.source,
    ...(args.preAuthCode ? { preAuthCode: args.preAuthCode } : {}),
  });
  const infoType = active ? "updateauthorized" : "authorized";
  ctx.state.changed();
  ctx.logger.info({ authorizer: args.appid, infoType, funcIds, source: args.source }, "authorization granted");
  if (args.push === false) return { code, infoType };
  return { code, infoType, delivery: pushAuthorizationEvent(ctx, { infoType, code }) };
}

/** The merchant changed the sets in WeChat's admin: new code, `updateauthorized` push. */
export function changePermissionSets(ctx: SandboxContext, args: { appid: string; funcIds: readonly number[] }): GrantResult {
  const existing = ctx.state.findAuthorization(args.appid);
  if (!existing || existing.revokedAt !== undefined) throw new AuthorizationError(`${args.appid} is not authorized`);
  return grantAuthorization(ctx, { appid: args.appid, funcIds: args.funcIds, source: "permission-change" });
}

/**
 * The merchant revoked in WeChat's admin: from now on every call for this authorizer, including those with
 * tokens issued before, answers 61003; then the `unauthorized` push.
 */
export function revokeAuthorization(ctx: SandboxContext, appid: string): { delivery: Promise<Delivery> } {
  const existing = ctx.state.findAuthorization(appid);
  if (!existing || existing.revokedAt !== undefined) throw new AuthorizationError(`${appid} is not authorized`);
  existing.revokedAt = ctx.clock.now();
  ctx.state.changed();
  ctx.logger.info({ authorizer: appid }, "authorization revoked");
  return { delivery: pushUnauthorized(ctx, appid) };
}
