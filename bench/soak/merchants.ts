// What merchants do at WeChat (the sandbox, in this process): authorize, change permission sets,
// revoke. Each returns the push delivery, which runs WeChat's retries on its own.
import { createHash } from "node:crypto";
import { changePermissionSets, grantAuthorization, revokeAuthorization } from "../../sandbox/authorization/manage";
import type { SandboxHandle } from "../../sandbox/server";
import type { SeededAccount } from "../../sandbox/state/accounts";
import { listPermissionSets } from "../../sandbox/state/permission-sets";
import type { Delivery } from "../../sandbox/state/types";

const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);

/** `count` more official accounts at the sandbox (beyond its seeded ones), deterministic from `prefix`. */
export function addAccounts(sandbox: SandboxHandle, { prefix, count }: { prefix: string; count: number }): SeededAccount[] {
  const added: SeededAccount[] = [];
  for (let i = 0; i < count; i++) {
    const account: SeededAccount = {
      appid: `wx${hex(`${prefix}:${i}:appid`, 16)}`,
      kind: "official_account",
      nickName: `压测公众号${prefix}${i}`,
      userName: `gh_${hex(`${prefix}:${i}:user`, 12)}`,
      alias: "",
      principalName: "压测科技有限公司",
      signature: "",
      serviceTypeId: 2,
      verifyTypeId: 0,
      avatarColor: "#07c160",
      releaseTest: false,
    };
    sandbox.state.data.registeredAccounts.push(account);
    added.push(account);
  }
  sandbox.state.changed();
  return added;
}

export const allSetsOf = (sandbox: SandboxHandle, appid: string) =>
  listPermissionSets(sandbox.state.findAccount(appid)!.kind).map((set) => set.id);

/** The merchant authorizes every permission set: `authorized` (or `updateauthorized`) is pushed. */
export function authorize(sandbox: SandboxHandle, appid: string, funcIds = allSetsOf(sandbox, appid)): Promise<Delivery> {
  return grantAuthorization(sandbox.context, { appid, funcIds, source: "control" }).delivery!;
}

/** The merchant unticks some sets: `updateauthorized` is pushed. */
export function narrowPermissionSets(sandbox: SandboxHandle, appid: string): Promise<Delivery> {
  const current = sandbox.state.findAuthorization(appid)!.funcIds;
  const fewer = current.length > 1 ? current.slice(0, Math.max(1, current.length - 2)) : current;
  return changePermissionSets(sandbox.context, { appid, funcIds: fewer }).delivery!;
}

export function revoke(sandbox: SandboxHandle, appid: string): Promise<Delivery> {
  return revokeAuthorization(sandbox.context, appid).delivery;
}

/** Ordinary seeded accounts of one kind (not WeChat's release-test accounts). */
export function seededAppids(sandbox: SandboxHandle, kind = "official_account"): string[] {
  return sandbox.state.accounts.filter((account) => account.kind === kind && !account.releaseTest).map((account) => account.appid);
}
