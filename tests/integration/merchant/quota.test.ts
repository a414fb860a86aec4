// WeChat's quota (api_create_preauthcode, api_query_auth) is not anyone's to burn: a bot fetching
// the merchant pages costs no code, N concurrent renewals on several instances cost one, an attempt
// stops asking after a deadline or a number of codes, and the callback sends new codes to WeChat
// only so often per attempt and per client address.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { ATTEMPT_LIMITS } from "@/lib/authorization/attempts";
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { CALLBACK_LIMITS } from "@/lib/authorization/callback-throttle";
import { openAttempt, readPublicAttempt, renewAttemptIfDue } from "@/lib/merchant/attempts";
import { decidePhonePage } from "@/lib/merchant/phone";
import type { PublicAttempt } from "@/lib/merchant/types";
import type { TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { sandboxCalls, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

const WECHAT_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.47.2560";
const PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

describe("WeChat quota on the merchant pages and the callback (PostgreSQL + sandbox)", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let address = 0;
  const nextAddress = () => `10.8.0.${++address}`;
  const preAuthCodes = async () => (await sandboxCalls(sandbox, "api_create_preauthcode")).length;
  const queryAuths = async () => (await sandboxCalls(sandbox, "api_query_auth")).length;
  const codeOf = (attempt: PublicAttempt) => (attempt.links ? new URL(attempt.links.pc).searchParams.get("pre_auth_code") : null);
  const params = (id: string) => ({ params: Promise.resolve({ id }) });

  async function open(query: Record<string, string> = { auth_type: "1" }): Promise<PublicAttempt> {
    const opened = await openAttempt({ query, clientAddress: nextAddress() });
    if (opened.kind !== "ok") throw new Error(`could not open an attempt: ${opened.kind}`);
    return opened.attempt;
  }

  /** The current code lapsed (or was issued `ageMs` ago and has `leftMs` left). */
  async function age(id: string, { ageMs = 601_000, leftMs = -1_000 }: { ageMs?: number; leftMs?: number } = {}) {
    const now = Date.now();
    await t.database.prisma.authorizationAttempt.update({
      where: { id },
      data: { codeIssuedAt: new Date(now - ageMs), expiresAt: new Date(now + leftMs) },
    });
  }

  async function callbackFor(id: string, authCode: string, clientAddress: string) {
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id } });
    return handleAuthorizationCallback({
      params: new URLSearchParams({ attempt: id, state: row.state, auth_code: authCode, expires_in: "3600" }),
      clientAddress,
    });
  }

  beforeAll(async () => {
    ({ t, sandbox, portal } = await startPortalStack({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("a bot fetching /authorize or /m/authorize costs no pre_auth_code; the phone page inside WeChat asks for one", async () => {
    const before = await preAuthCodes();
    const pc = await open({ auth_type: "3", category_id_list: "1|17" });
    expect(pc).toMatchObject({ status: "pending", links: null });
    for (const userAgent of [BOT_UA, PHONE_UA, null]) {
      const page = await decidePhonePage({ query: { auth_type: "1" }, userAgent, clientAddress: nextAddress() });
      expect(["redirect", "open_in_wechat"]).toContain(page.kind);
    }
    // Resuming, reading, the phone page outside WeChat: still nothing.
    await openAttempt({ query: { attempt: pc.id }, clientAddress: nextAddress() });
    await readPublicAttempt(pc.id);
    await decidePhonePage({ query: { attempt: pc.id }, userAgent: PHONE_UA, clientAddress: nextAddress() });
    expect(await preAuthCodes()).toBe(before);

    const forward = await decidePhonePage({ query: { attempt: pc.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(forward.kind).toBe("forward");
    expect(await preAuthCodes()).toBe(before + 1);
    // Opened again while the code has time left: the same code, no new call.
    const again = await decidePhonePage({ query: { attempt: pc.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(again.kind === "forward" && again.h5Link).toBe(forward.kind === "forward" && forward.h5Link);
    expect(await preAuthCodes()).toBe(before + 1);
  });

  it("50 concurrent renewals of one attempt on five instances cause one api_create_preauthcode call", async () => {
    const attempt = await open();
    // Five copies of the route and everything under it: five instances, each with its own memory.
    const instances: { POST: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response> }[] = [];
    for (let i = 0; i < 5; i++) {
      vi.resetModules();
      instances.push(await import("@/app/api/authorize/attempts/[id]/renew/route"));
    }
    expect(new Set(instances.map((instance) => instance.POST)).size).toBe(5);
    const renewAll = () =>
      Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const request = new Request(`http://localhost:3000/api/authorize/attempts/${attempt.id}/renew`, { method: "POST" });
          const response = await instances[i % 5]!.POST(request, params(attempt.id));
          return { status: response.status, body: (await response.json()) as PublicAttempt & { renewed: boolean } };
        }),
      );

    const before = await preAuthCodes();
    const first = await renewAll();
    expect(await preAuthCodes()).toBe(before + 1);
    expect(first.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(first.map((answer) => codeOf(answer.body))).size).toBe(1);
    expect(codeOf(first[0]!.body)).toBeTruthy();

    // Past half its life: replaced once more, however many ask.
    await age(attempt.id, { ageMs: 400_000, leftMs: 200_000 });
    const second = await renewAll();
    expect(await preAuthCodes()).toBe(before + 2);
    expect(new Set(second.map((answer) => codeOf(answer.body))).size).toBe(1);
    expect(codeOf(second[0]!.body)).not.toBe(codeOf(first[0]!.body));
    expect((await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).codesIssued).toBe(2);
  });

  it("stops asking WeChat for an attempt after its deadline, then writes it down as expired", async () => {
    const attempt = await open();
    expect(await renewAttemptIfDue({ id: attempt.id })).toMatchObject({ kind: "ok", renewed: true });
    await age(attempt.id);
    const before = await preAuthCodes();
    const afterDeadline = new Date(Date.now() + ATTEMPT_LIMITS.pageMaxAgeMs + 1_000);
    const late = await renewAttemptIfDue({ id: attempt.id, now: afterDeadline });
    expect(late).toMatchObject({ kind: "not_renewable", attempt: { status: "expired", links: null, expiresInMs: 0 } });
    expect(await preAuthCodes()).toBe(before);
    // Within the grace after it a confirmation under way may still arrive; past it, the row says so.
    expect((await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("pending");
    const muchLater = new Date(afterDeadline.getTime() + ATTEMPT_LIMITS.completionGraceMs);
    expect(await renewAttemptIfDue({ id: attempt.id, now: muchLater })).toMatchObject({ kind: "not_renewable" });
    expect(await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toMatchObject({
      status: "expired",
      result: { reason: "expired" },
    });
    expect(await preAuthCodes()).toBe(before);
  });

  it(`stops after ${ATTEMPT_LIMITS.maxCodes} codes for one attempt: expired once the last one lapses`, async () => {
    const attempt = await open();
    const before = await preAuthCodes();
    for (let i = 0; i < ATTEMPT_LIMITS.maxCodes; i++) {
      expect(await renewAttemptIfDue({ id: attempt.id })).toMatchObject({ kind: "ok", renewed: true });
      await age(attempt.id, { ageMs: 400_000, leftMs: 200_000 });
    }
    expect(await preAuthCodes()).toBe(before + ATTEMPT_LIMITS.maxCodes);
    // Past half-life, but the last one it may have: kept rather than none.
    expect(await renewAttemptIfDue({ id: attempt.id })).toMatchObject({ kind: "ok", renewed: false });
    await age(attempt.id);
    expect(await renewAttemptIfDue({ id: attempt.id })).toMatchObject({ kind: "not_renewable", attempt: { status: "expired" } });
    expect((await readPublicAttempt(attempt.id))?.status).toBe("expired");
    expect(await preAuthCodes()).toBe(before + ATTEMPT_LIMITS.maxCodes);
  });

  it(`sends made-up codes for one attempt to WeChat at most ${CALLBACK_LIMITS.perAttempt.points} times`, async () => {
    const attempt = await open();
    await renewAttemptIfDue({ id: attempt.id });
    const before = await queryAuths();
    const outcomes = [];
    for (let i = 0; i < 200; i++) outcomes.push(await callbackFor(attempt.id, `queryauthcode@@@made-up-${i}`, nextAddress()));
    expect(await queryAuths()).toBe(before + CALLBACK_LIMITS.perAttempt.points);
    expect(outcomes.filter((o) => !o.ok && o.error === "code_rejected")).toHaveLength(CALLBACK_LIMITS.perAttempt.points);
    const throttled = outcomes.filter((o) => !o.ok && o.error === "throttled");
    expect(throttled).toHaveLength(200 - CALLBACK_LIMITS.perAttempt.points);
    expect(throttled[0]).toMatchObject({ attemptId: attempt.id });
    expect(!throttled[0]!.ok && throttled[0]!.retryAfterSeconds).toBeGreaterThan(60);
    // A code already refused is answered from the database: no call, and not counted.
    const refused = await callbackFor(attempt.id, "queryauthcode@@@made-up-0", nextAddress());
    expect(refused).toMatchObject({ ok: false, error: "code_rejected", errcode: 61009 });
    expect(await queryAuths()).toBe(before + CALLBACK_LIMITS.perAttempt.points);
  });

  it(`sends made-up codes from one address to WeChat at most ${CALLBACK_LIMITS.perAddress.points} times, whatever the attempt`, async () => {
    const attempts: PublicAttempt[] = [];
    for (let i = 0; i < CALLBACK_LIMITS.perAddress.points + 10; i++) {
      const attempt = await open();
      await renewAttemptIfDue({ id: attempt.id });
      attempts.push(attempt);
    }
    const before = await queryAuths();
    const outcomes = [];
    for (const [i, attempt] of attempts.entries())
      outcomes.push(await callbackFor(attempt.id, `queryauthcode@@@spray-${i}`, "198.51.100.77"));
    expect(await queryAuths()).toBe(before + CALLBACK_LIMITS.perAddress.points);
    expect(outcomes.filter((o) => !o.ok && o.error === "throttled")).toHaveLength(10);
    // Another address is not held back by this one.
    expect(await callbackFor(attempts[0]!.id, "queryauthcode@@@elsewhere", nextAddress())).toMatchObject({ error: "code_rejected" });
  });
});
