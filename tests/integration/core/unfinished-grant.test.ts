// An auth code WeChat exchanged (api_query_auth answered with the refresh token) whose account could
// not then be read (api_get_authorizer_info failed) must not cost the merchant a new authorization:
// the portal asks for a reconciliation, which imports the account from WeChat's authorizer list with
// a refresh token that works.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { createAttempt } from "@/lib/authorization/attempts";
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { readOwedReconciliation } from "@/lib/authorization/push-gaps";
import { reconcileWithWeChat } from "@/lib/console/authorizer-sync";
import { refreshAuthorizerToken } from "@/lib/credentials/authorizer-token";
import type { TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };

describe("a grant whose account could not be read", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));

  it("is recovered by the reconciliation it asks for", async () => {
    const account = accounts.find((a) => a.kind === "official_account" && !a.releaseTest)!;
    // Only the browser's redirect tells the portal, and reading the account fails once.
    await sandboxControl(sandbox, "faults", { faults: [{ kind: "drop-push", endpoint: "authorized" }] });
    const attempt = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    await sandboxControl(sandbox, "faults", { kind: "http5xx", endpoint: "api_get_authorizer_info", count: 1 });
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    const outcome = await handleAuthorizationCallback({
      params: new URLSearchParams({
        attempt: attempt.id,
        state: row.state,
        auth_code: back.searchParams.get("auth_code")!,
        expires_in: "3600",
      }),
      clientAddress: "10.7.0.1",
    });
    expect(outcome.ok).toBe(false);
    expect(await t.database.prisma.authorizer.findUnique({ where: { appid: account.appid } })).toBeNull();
    expect(await readOwedReconciliation()).toMatchObject({ reason: "grant_unfinished" });

    await reconcileWithWeChat({ reason: "grant_unfinished" });
    expect(await t.database.prisma.authorizer.findUnique({ where: { appid: account.appid } })).toMatchObject({ status: "authorized" });
    // The refresh token came through: WeChat accepts it.
    const token = await refreshAuthorizerToken(account.appid);
    expect(token.token).toBeTruthy();
  });
});
