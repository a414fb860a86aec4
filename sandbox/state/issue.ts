// Minting WeChat credentials with WeChat's lifetimes and look-alike formats (`ticket@@@…`, `queryauthcode@@@…`).
// Lifetimes are WeChat seconds; the clock scales them.
import type { SandboxContext } from "../core/context";
import type {
  AuthCode,
  AuthCodeSource,
  AuthorizerTokenOrigin,
  ComponentToken,
  AuthorizerToken,
  JsapiTicket,
  PreAuthCode,
  Ticket,
} from "./types";

export const LIFETIMES = {
  ticket: 12 * 3600,
  componentToken: 7200,
  preAuthCode: 600,
  authCode: 3600,
  authorizerToken: 7200,
  jsapiTicket: 7200,
  /** A superseded token keeps working this long, as WeChat's do. */
  supersededGrace: 300,
  /** A rotated refresh token keeps working this long. */
  refreshTokenGrace: 3600,
  quotaDay: 86_400,
  clearQuotaMonth: 30 * 86_400,
} as const;

function expiry(ctx: SandboxContext, seconds: number): { createdAt: number; expiresAt: number } {
  const createdAt = ctx.clock.now();
  return { createdAt, expiresAt: createdAt + ctx.clock.lifetimeMs(seconds) };
}

export function issueTicket(ctx: SandboxContext): Ticket {
  const ticket = { value: `ticket@@@${ctx.state.rng.tickets.string(86)}`, ...expiry(ctx, LIFETIMES.ticket) };
  ctx.state.data.tickets.push(ticket);
  ctx.state.changed();
  return ticket;
}

function accessTokenValue(ctx: SandboxContext): string {
  const rng = ctx.state.rng.tokens;
  return `${80 + rng.int(10)}_${rng.string(134)}`;
}

export function issueComponentToken(ctx: SandboxContext): ComponentToken {
  const times = expiry(ctx, LIFETIMES.componentToken);
  supersede(ctx, ctx.state.data.componentTokens);
  const token = { value: accessTokenValue(ctx), ...times, naturalExpiresAt: times.expiresAt };
  ctx.state.data.componentTokens.push(token);
  ctx.state.changed();
  return token;
}

export function issuePreAuthCode(ctx: SandboxContext): PreAuthCode {
  const code = { value: `preauthcode@@@${ctx.state.rng.codes.string(64)}`, ...expiry(ctx, LIFETIMES.preAuthCode) };
  ctx.state.data.preAuthCodes.push(code);
  ctx.state.changed();
  return code;
}

export function issueAuthCode(
  ctx: SandboxContext,
  args: { authorizerAppid: string; funcIds: number[]; source: AuthCodeSource; preAuthCode?: string },
): AuthCode {
  const code: AuthCode = {
    value: `queryauthcode@@@${ctx.state.rng.codes.string(86)}`,
    authorizerAppid: args.authorizerAppid,
    funcIds: [...args.funcIds],
    source: args.source,
    ...(args.preAuthCode ? { preAuthCode: args.preAuthCode } : {}),
    ...expiry(ctx, LIFETIMES.authCode),
  };
  ctx.state.data.authCodes.push(code);
  ctx.state.changed();
  return code;
}

export function issueAuthorizerToken(
  ctx: SandboxContext,
  args: { authorizerAppid: string; origin: AuthorizerTokenOrigin },
): AuthorizerToken {
  const times = expiry(ctx, LIFETIMES.authorizerToken);
  supersede(
    ctx,
    ctx.state.data.authorizerTokens.filter((token) => token.authorizerAppid === args.authorizerAppid),
  );
  const token: AuthorizerToken = {
    value: accessTokenValue(ctx),
    authorizerAppid: args.authorizerAppid,
    origin: args.origin,
    ...times,
    naturalExpiresAt: times.expiresAt,
  };
  ctx.state.data.authorizerTokens.push(token);
  ctx.state.changed();
  return token;
}

export function issueRefreshToken(ctx: SandboxContext): string {
  return `refreshtoken@@@${ctx.state.rng.tokens.string(43)}`;
}

export function issueJsapiTicket(ctx: SandboxContext, authorizerAppid: string): JsapiTicket {
  const ticket = { value: ctx.state.rng.tokens.string(86), authorizerAppid, ...expiry(ctx, LIFETIMES.jsapiTicket) };
  ctx.state.data.jsapiTickets.push(ticket);
  ctx.state.changed();
  return ticket;
}

/** A new token does not kill the previous ones at once: they get at most five more minutes. */
function supersede(ctx: SandboxContext, tokens: { expiresAt: number }[]): void {
  const cutoff = ctx.clock.now() + ctx.clock.lifetimeMs(LIFETIMES.supersededGrace);
  for (const token of tokens) token.expiresAt = Math.min(token.expiresAt, cutoff);
}
