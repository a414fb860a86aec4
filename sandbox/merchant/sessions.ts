// The merchant side's logic, apart from HTML: which accounts and permission sets a session offers, and
// what confirming or cancelling does.
import { randomUUID } from "node:crypto";
import { AuthorizationError, grantAuthorization } from "../authorization/manage";
import type { SandboxContext } from "../core/context";
import type { SeededAccount } from "../state/accounts";
import { LIFETIMES } from "../state/issue";
import { listPermissionSets, type AccountKind, type PermissionSet } from "../state/permission-sets";
import type { AuthSession } from "../state/types";
import { buildRedirect, checkPreAuthCode, REFUSALS, type AuthorizationLink, type Refusal } from "./link";

/** auth_type → account kinds shown on the phone (1 公众号, 2 小程序, 3 both, 4 推客, 5 视频号, 6 all). */
const KINDS_BY_AUTH_TYPE: Record<number, readonly AccountKind[]> = {
  1: ["official_account"],
  2: ["mini_program"],
  3: ["official_account", "mini_program"],
  4: ["promoter"],
  5: ["channels"],
  6: ["official_account", "mini_program", "channels"],
};

export function createSession(ctx: SandboxContext, args: { kind: "pc" | "h5"; link: AuthorizationLink }): AuthSession {
  const session: AuthSession = {
    id: randomUUID(),
    kind: args.kind,
    ...args.link,
    status: "waiting",
    createdAt: ctx.clock.now(),
  };
  ctx.state.data.sessions.push(session);
  ctx.state.prune(ctx.clock.now());
  ctx.state.changed();
  return session;
}

/** biz_appid wins over auth_type: only that account, whatever its kind. */
export function listCandidateAccounts(ctx: SandboxContext, session: AuthSession): SeededAccount[] {
  const accounts = ctx.state.listAccounts().filter((account) => !account.releaseTest);
  if (session.bizAppid) return accounts.filter((account) => account.appid === session.bizAppid);
  const kinds = KINDS_BY_AUTH_TYPE[session.authType] ?? [];
  return accounts.filter((account) => kinds.includes(account.kind));
}

/** The sets the link asks for (category_id_list) among those this account's kind has; all when omitted. */
export function listOfferedSets(session: AuthSession, account: SeededAccount): readonly PermissionSet[] {
  const sets = listPermissionSets(account.kind);
  if (!session.categoryIds) return sets;
  return sets.filter((set) => session.categoryIds?.includes(set.id));
}

/** Live status for the PC page's polling; an unconfirmed session dies with its pre_auth_code. */
export function describeSession(
  ctx: SandboxContext,
  session: AuthSession,
): { status: AuthSession["status"] | "expired"; redirectTo?: string } {
  if (session.status === "confirmed") return { status: "confirmed", ...(session.redirectTo ? { redirectTo: session.redirectTo } : {}) };
  if (session.status === "cancelled") return { status: "cancelled" };
  const preAuth = checkPreAuthCode(ctx, session.preAuthCode);
  if (preAuth.refusal) return { status: "expired" };
  return { status: session.status };
}

export type ConfirmOutcome = { redirectTo: string; infoType: "authorized" | "updateauthorized" } | { refusal: Refusal };

export function confirmSession(ctx: SandboxContext, args: { session: AuthSession; appid: string; funcIds: number[] }): ConfirmOutcome {
  const { session } = args;
  if (session.status === "confirmed" || session.status === "cancelled") {
    return { refusal: { code: "pre_auth_code_used", message: REFUSALS.usedPreAuthCode } };
  }
  const preAuth = checkPreAuthCode(ctx, session.preAuthCode);
  if (preAuth.refusal) return preAuth;
  const account = listCandidateAccounts(ctx, session).find((candidate) => candidate.appid === args.appid);
  if (!account) return { refusal: { code: "params", message: REFUSALS.invalidParams } };
  const offered = listOfferedSets(session, account).map((set) => set.id);
  if (args.funcIds.length === 0 || args.funcIds.some((id) => !offered.includes(id))) {
    return { refusal: { code: "params", message: REFUSALS.invalidPermissionSets } };
  }
  let granted;
  try {
    granted = grantAuthorization(ctx, {
      appid: account.appid,
      funcIds: args.funcIds,
      source: "merchant",
      preAuthCode: session.preAuthCode,
    });
  } catch (error) {
    if (error instanceof AuthorizationError) return { refusal: { code: "params", message: REFUSALS.invalidPermissionSets } };
    throw error;
  }
  preAuth.preAuthCode.usedAt = ctx.clock.now();
  const redirectTo = buildRedirect({
    redirectUri: session.redirectUri,
    authCode: granted.code.value,
    expiresIn: ctx.clock.expiresIn(LIFETIMES.authCode),
  });
  session.status = "confirmed";
  session.authorizerAppid = account.appid;
  session.redirectTo = redirectTo;
  ctx.state.changed();
  return { redirectTo, infoType: granted.infoType };
}

export function cancelSession(ctx: SandboxContext, session: AuthSession): void {
  if (session.status === "confirmed") return;
  session.status = "cancelled";
  ctx.state.changed();
}
