// An account is bound to the merchant_ref of the link it authorized through; a later link for
// another merchant moves it, and the history keeps both bindings; staff may rebind it (audited),
// and binding to the merchant it already has changes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { createAttempt } from "@/lib/authorization/attempts";
import { completeAuthorization } from "@/lib/authorization/complete";
import { listMerchantBindings, merchantRefSchema, rebindMerchant, UnknownAuthorizer } from "@/lib/authorization/merchant-binding";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";
import { newSandboxAccount, type SandboxAccount as Account } from "./link-helpers";

const staff = { actorType: "staff" as const, actorId: "staff-1", ip: "10.0.0.9" };

describe(`merchant bindings (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;

  const newAccount = () => newSandboxAccount(sandbox);
  /** The merchant authorizes `appid` through a link made for `merchantRef` (WeChat's push lost: the callback alone tells). */
  async function authorizeThroughLink(appid: string, merchantRef?: string) {
    const attempt = await createAttempt({ authType: 1, merchantRef });
    const { auth_code } = await sandboxControl<{ auth_code: string }>(sandbox, "authorize", { appid, push: false });
    const completion = await completeAuthorization({ authCode: auth_code, source: "callback", attemptId: attempt.id });
    expect(completion).toMatchObject({ attemptId: attempt.id, refused: null });
    return attempt;
  }
  const merchantOf = async (appid: string) => (await t.database.prisma.authorizer.findUniqueOrThrow({ where: { appid } })).merchantRef;

  beforeAll(async () => {
    ({ t, sandbox, portal } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("keeps the history across two authorizations for different merchants", async () => {
    const { appid } = await newAccount();
    const first = await authorizeThroughLink(appid, "merchant-a");
    expect(await merchantOf(appid)).toBe("merchant-a");
    // A link without a merchant_ref leaves the binding as it is.
    await authorizeThroughLink(appid);
    expect(await merchantOf(appid)).toBe("merchant-a");
    const second = await authorizeThroughLink(appid, "merchant-b");
    expect(await merchantOf(appid)).toBe("merchant-b");

    const history = await listMerchantBindings(appid);
    expect(history).toHaveLength(2);
    const [now, before] = history;
    expect(now).toMatchObject({ merchantRef: "merchant-b", attemptId: second.id, source: "link", unboundAt: null });
    expect(before).toMatchObject({ merchantRef: "merchant-a", attemptId: first.id, source: "link" });
    expect(before!.unboundAt).toEqual(now!.boundAt);
  });

  it("lets staff rebind or unbind an account, audited; the same merchant again is a no-op", async () => {
    const { appid } = await newAccount();
    await authorizeThroughLink(appid, "merchant-c");

    expect(await rebindMerchant({ authorizerAppid: appid, merchantRef: "merchant-c", actor: staff })).toEqual({
      changed: false,
      before: "merchant-c",
      after: "merchant-c",
    });
    expect(await t.database.prisma.auditLog.count({ where: { target: appid, action: "authorizer.merchant_rebound" } })).toBe(0);

    expect(await rebindMerchant({ authorizerAppid: appid, merchantRef: "  merchant-d ", actor: staff })).toMatchObject({
      changed: true,
      before: "merchant-c",
      after: "merchant-d",
    });
    expect(await t.database.prisma.auditLog.findFirst({ where: { target: appid, action: "authorizer.merchant_rebound" } })).toMatchObject({
      actorType: "staff",
      actorId: "staff-1",
      details: { before: "merchant-c", after: "merchant-d" },
    });
    expect((await listMerchantBindings(appid))[0]).toMatchObject({ merchantRef: "merchant-d", source: "staff", attemptId: null });

    await rebindMerchant({ authorizerAppid: appid, merchantRef: null, actor: staff });
    expect(await merchantOf(appid)).toBeNull();
    const history = await listMerchantBindings(appid);
    expect(history.map((row) => [row.merchantRef, row.unboundAt !== null])).toEqual([
      ["merchant-d", true],
      ["merchant-c", true],
    ]);

    await expect(rebindMerchant({ authorizerAppid: "wx0000000000000000", merchantRef: "x", actor: staff })).rejects.toBeInstanceOf(
      UnknownAuthorizer,
    );
    await expect(rebindMerchant({ authorizerAppid: appid, merchantRef: "bad\u0007ref", actor: staff })).rejects.toThrow(
      /control characters/,
    );
  });

  it("validates merchant_ref: trimmed, 1-128 characters, no control characters", () => {
    expect(merchantRefSchema.parse("  org_123  ")).toBe("org_123");
    expect(merchantRefSchema.parse("商户-甲")).toBe("商户-甲");
    expect(merchantRefSchema.safeParse("   ").error?.issues[0]?.message).toMatch(/must not be empty/);
    expect(merchantRefSchema.safeParse("x".repeat(129)).error?.issues[0]?.message).toMatch(/at most 128/);
    expect(merchantRefSchema.safeParse("x".repeat(128)).success).toBe(true);
    expect(merchantRefSchema.safeParse("line\nbreak").error?.issues[0]?.message).toMatch(/control characters/);
  });
});
