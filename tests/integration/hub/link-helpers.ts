// What the hub's link tests do with the sandbox: a fresh account of their own, and another
// account's auth code brought back under a link's redirect_uri (as if WeChat's push were lost).
import type { TestDatabase } from "../../helpers/database";
import { sandboxControl, type TestSandbox } from "../../helpers/sandbox";

export type SandboxAccount = { appid: string; kind: string; permissionSets: number[] };

export async function newSandboxAccount(sandbox: TestSandbox, kind: "official_account" | "mini_program" = "official_account") {
  return (await sandboxControl<{ account: SandboxAccount }>(sandbox, "accounts", { kind })).account;
}

/** The callback URL WeChat would send the browser to, carrying `appid`'s fresh auth code for `attemptId`. */
export async function callbackWithCodeOf({
  t,
  sandbox,
  attemptId,
  appid,
}: {
  t: TestDatabase;
  sandbox: TestSandbox;
  attemptId: string;
  appid: string;
}): Promise<URL> {
  const { auth_code } = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid, push: false });
  const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attemptId } });
  const url = new URL("http://localhost:3000/api/wechat/authorize/callback");
  for (const [name, value] of Object.entries({ attempt: attemptId, state: row.state, auth_code, expires_in: "3600" })) {
    url.searchParams.set(name, value);
  }
  return url;
}
