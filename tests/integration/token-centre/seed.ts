// Seeds the portal's database with what the sandbox really issued: a component_verify_ticket, and
// authorizers whose tokens came from api_query_auth. Shared by the token-centre and message tests.
import { recordVerifyTicket } from "@/lib/credentials/component-ticket";
import { withComponentToken } from "@/lib/credentials/component-token";
import { sealAuthorizerTokens } from "@/lib/credentials/authorizer-credentials";
import { db } from "@/lib/db";
import { wechatApi } from "@/lib/upstream";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createApiKey } from "@/lib/token-centre/api-keys";
import { FULL_SCOPE, type ApiKeyScopeInput } from "@/lib/token-centre/scopes";
import { sandboxControl, type TestSandbox } from "../../helpers/sandbox";

export type SandboxAccount = { appid: string; kind: string; userName: string; releaseTest: boolean };

export async function listSandboxAccounts(sandbox: TestSandbox): Promise<SandboxAccount[]> {
  const response = await fetch(new URL("/sandbox/api/accounts", sandbox.url));
  return ((await response.json()) as { accounts: SandboxAccount[] }).accounts;
}

/** Seeded (not release-test) accounts of one kind, in the sandbox's stable order. */
export async function pickAccounts(sandbox: TestSandbox, kind: "official_account" | "mini_program"): Promise<SandboxAccount[]> {
  return (await listSandboxAccounts(sandbox)).filter((account) => account.kind === kind && !account.releaseTest);
}

/** A ticket the sandbox issued, stored as the event URL would store it. */
export async function seedVerifyTicket(sandbox: TestSandbox): Promise<string> {
  const { ticket } = await sandboxControl<{ ticket: string }>(sandbox, "push-ticket");
  await recordVerifyTicket({ appid: DEMO_COMPONENT.appid, ticket, createTime: new Date() });
  return ticket;
}

/** `appid` authorizes the component with every permission set; its tokens are stored sealed. */
export async function seedAuthorizer(sandbox: TestSandbox, { appid }: { appid: string }): Promise<{ accessToken: string }> {
  const { auth_code: authorizationCode } = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid, push: false });
  const grant = await withComponentToken((componentAccessToken) =>
    wechatApi().queryAuth({ componentAccessToken, componentAppid: DEMO_COMPONENT.appid, authorizationCode }),
  );
  const tokens = sealAuthorizerTokens({
    appid,
    accessToken: grant.authorizerAccessToken,
    expiresIn: grant.expiresIn,
    refreshToken: grant.authorizerRefreshToken,
  });
  await db().authorizer.upsert({
    where: { appid },
    create: { appid, componentAppid: DEMO_COMPONENT.appid, accountType: "official_account", credential: { create: tokens } },
    update: { status: "authorized", revokedAt: null, credential: { upsert: { create: tokens, update: { ...tokens, disabledAt: null } } } },
  });
  return { accessToken: grant.authorizerAccessToken };
}

/** A key (every scope unless `scope` narrows it). */
export async function seedApiKey(name = "test service", scope: ApiKeyScopeInput = FULL_SCOPE): Promise<string> {
  const { key } = await createApiKey({ name, scope, actor: { actorType: "system", actorId: "test" } });
  return key;
}
