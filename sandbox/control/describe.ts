// The state as the control API shows it: what a developer needs to see, never an access token.
import type { SandboxContext } from "../core/context";
import { describeAccount } from "../state/accounts";

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `61W3mE…(134)`: enough to recognise a token in the logs, not enough to use it. */
export function redact(value: string): string {
  return `${value.slice(0, 6)}…(${value.length})`;
}

export function describeState(ctx: SandboxContext) {
  const now = ctx.clock.now();
  const { data } = ctx.state;
  const latestTicket = data.tickets.at(-1);
  return {
    component: { appid: ctx.config.component.appid },
    config: {
      eventUrl: ctx.config.eventUrl,
      messageUrl: ctx.config.messageUrl,
      authDomain: ctx.config.authDomain,
      publicUrl: ctx.publicUrl(),
      ticketIntervalSeconds: ctx.config.ticketIntervalSeconds,
      seed: ctx.config.seed,
      stateFile: ctx.config.stateFile ?? null,
    },
    clock: { speed: ctx.clock.speed, now: iso(now) },
    tickets: {
      count: data.tickets.length,
      valid: data.tickets.filter((ticket) => ticket.expiresAt > now).length,
      latest: latestTicket
        ? { value: latestTicket.value, createdAt: iso(latestTicket.createdAt), expiresAt: iso(latestTicket.expiresAt) }
        : null,
    },
    componentTokens: {
      issued: data.componentTokens.length,
      valid: data.componentTokens.filter((token) => token.expiresAt > now).length,
    },
    preAuthCodes: {
      issued: data.preAuthCodes.length,
      used: data.preAuthCodes.filter((code) => code.usedAt !== undefined).length,
    },
    authorizations: data.authorizations.map((authorization) => {
      const account = ctx.state.findAccount(authorization.authorizerAppid);
      return {
        authorizer_appid: authorization.authorizerAppid,
        nick_name: account?.nickName ?? null,
        type: account ? describeAccount(account) : null,
        func_ids: authorization.funcIds,
        auth_time: authorization.authTimeUnix,
        status: authorization.revokedAt === undefined ? "authorized" : "revoked",
        refresh_token: authorization.refreshToken,
        refresh_count: authorization.refreshCount,
        options: authorization.options,
        valid_access_tokens: data.authorizerTokens.filter(
          (token) => token.authorizerAppid === authorization.authorizerAppid && token.expiresAt > now,
        ).length,
      };
    }),
    sessions: data.sessions.slice(-20).map((session) => ({
      id: session.id,
      kind: session.kind,
      status: session.status,
      auth_type: session.authType,
      biz_appid: session.bizAppid ?? null,
      authorizer_appid: session.authorizerAppid ?? null,
    })),
    quota: {
      startedAt: iso(data.quota.startedAt),
      counts: data.quota.counts,
      limits: data.quotaLimits,
      clearsThisMonth: data.clearQuotaUses.length,
    },
    faults: data.faults,
    counts: { calls: ctx.state.calls.length, deliveries: ctx.state.deliveries.length, customMessages: data.customMessages.length },
  };
}
