// An account created on request (POST /sandbox/api/accounts): one that no admin has authorized yet,
// so a test can own it from its first grant to its revocation without sharing the seeded ones.
// Kept with the registered accounts, so the state file keeps it across restarts.
import type { SandboxContext } from "../core/context";
import type { SeededAccount } from "../state/accounts";

export type NewAccountRequest = {
  kind: "official_account" | "mini_program";
  nickName?: string;
  /** Official accounts: 0 subscription, 2 service account (the default). */
  serviceTypeId?: 0 | 1 | 2;
  /** -1 unverified, 0 verified (the default). */
  verifyTypeId?: -1 | 0 | 3;
};

export function createAccount(ctx: SandboxContext, request: NewAccountRequest): SeededAccount {
  const rng = ctx.state.rng.misc;
  const index = ctx.state.data.registeredAccounts.length + 1;
  const miniProgram = request.kind === "mini_program";
  const account: SeededAccount = {
    appid: `wx${rng.hex(16)}`,
    kind: request.kind,
    nickName: request.nickName ?? `沙箱${miniProgram ? "小程序" : "公众号"}${index}`,
    userName: `gh_${rng.hex(12)}`,
    alias: "",
    principalName: "沙箱示例科技有限公司",
    signature: "",
    serviceTypeId: miniProgram ? 0 : (request.serviceTypeId ?? 2),
    verifyTypeId: request.verifyTypeId ?? 0,
    avatarColor: miniProgram ? "#10aeff" : "#07c160",
    releaseTest: false,
    ...(miniProgram ? { miniProgram: { categories: [{ first: "工具", second: "效率" }], requestDomain: "https://weixin.qq.com" } } : {}),
  };
  ctx.state.data.registeredAccounts.push(account);
  ctx.state.changed();
  return account;
}
