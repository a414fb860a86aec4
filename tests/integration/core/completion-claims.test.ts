// Completing an authorization never waits for a database connection while holding one: many
// callbacks at once on a small pool all finish, a caller waiting for another's exchange of the same
// code holds no connection, and two instances racing for one code make one upstream call.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { createAttempt, getAttempt } from "@/lib/authorization/attempts";
import { handleAuthorizationCallback } from "@/lib/authorization/callback";
import { hashCode } from "@/lib/authorization/complete";
import { openDatabase, installDatabase, type Database } from "@/lib/db";
import type { TestDatabase } from "../../helpers/database";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxCalls, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };

describe("completing authorizations on a small connection pool (PostgreSQL + sandbox)", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let address = 0;
  const nextAddress = () => `10.7.0.${++address}`;
  const officialAccounts = () => accounts.filter((a) => a.kind === "official_account" && !a.releaseTest);

  /** A second database handle on the same database, with a pool of `max` connections, made the process-wide one. */
  async function withPool<T>(max: number, fn: (database: Database) => Promise<T>): Promise<T> {
    const small = openDatabase({ url: t.url!, max });
    installDatabase(small);
    try {
      return await fn(small);
    } finally {
      installDatabase(t.database);
      await small.close();
    }
  }

  const callbackParams = ({ id, state, authCode }: { id: string; state: string; authCode: string }) =>
    new URLSearchParams({ attempt: id, state, auth_code: authCode, expires_in: "3600" });

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
    await fetch(new URL("/sandbox/api/faults", sandbox.url), { method: "DELETE" });
  });

  it("answers 15 concurrent callbacks with made-up codes on a pool of 3, and the database answers afterwards", async () => {
    const attempts = await Promise.all(Array.from({ length: 15 }, () => createAttempt({ authType: 1 })));
    const rows = await t.database.prisma.authorizationAttempt.findMany({ where: { id: { in: attempts.map((a) => a.id) } } });
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;
    const outcomes = await withPool(3, async (small) => {
      const answered = await Promise.all(
        rows.map((row, i) =>
          handleAuthorizationCallback({
            params: callbackParams({ id: row.id, state: row.state, authCode: `queryauthcode@@@made-up-${i}` }),
            clientAddress: nextAddress(),
          }),
        ),
      );
      // The pool is not left exhausted or poisoned.
      expect(await small.prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      return answered;
    });
    expect(outcomes).toHaveLength(15);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: false, error: "code_rejected", errcode: 61009 });
    expect((await sandboxCalls(sandbox, "api_query_auth")).length - before).toBe(15);
    for (const row of rows) expect((await getAttempt(row.id))?.status).toBe("pending");
  });

  it("completes a real authorization on a pool of one connection, while another caller of the same code waits without holding it", async () => {
    await sandboxControl(sandbox, "faults", { kind: "drop-push", endpoint: "authorized" });
    const account = officialAccounts()[0]!;
    const attempt = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    const authCode = back.searchParams.get("auth_code")!;
    const state = back.searchParams.get("state")!;
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;

    const outcome = await withPool(1, async (single) => {
      // Another instance has claimed this code and is asking WeChat.
      await single.prisma.authorizationCodeUse.create({
        data: { codeHash: hashCode(authCode), source: "push", leaseUntil: new Date(Date.now() + 60_000) },
      });
      const waiting = handleAuthorizationCallback({
        params: callbackParams({ id: attempt.id, state, authCode }),
        clientAddress: nextAddress(),
      });
      // The claim's holder dies: its lease lapses. This write needs the pool's only connection, so it
      // gets through only if the waiting callback holds none.
      await single.prisma.authorizationCodeUse.update({
        where: { codeHash: hashCode(authCode) },
        data: { leaseUntil: new Date(Date.now() - 1) },
      });
      return waiting;
    });
    // The waiting callback took the lapsed claim over and exchanged the code itself, once.
    expect(outcome).toMatchObject({ ok: true, attemptId: attempt.id, authorizerAppid: account.appid });
    expect((await sandboxCalls(sandbox, "api_query_auth")).length - before).toBe(1);
    expect(await getAttempt(attempt.id)).toMatchObject({ status: "completed", authorizerAppid: account.appid });
    expect(await t.database.prisma.authorizationCodeUse.findUnique({ where: { codeHash: hashCode(authCode) } })).toMatchObject({
      authorizerAppid: account.appid,
      attemptId: attempt.id,
      leaseUntil: null,
    });
  });

  it("a caller waiting for another's exchange takes its refusal without asking WeChat", async () => {
    const attempt = await createAttempt({ authType: 1 });
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    const authCode = "queryauthcode@@@claimed-elsewhere";
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;
    const outcome = await withPool(1, async (single) => {
      await single.prisma.authorizationCodeUse.create({
        data: { codeHash: hashCode(authCode), source: "push", leaseUntil: new Date(Date.now() + 60_000) },
      });
      const waiting = handleAuthorizationCallback({
        params: callbackParams({ id: row.id, state: row.state, authCode }),
        clientAddress: nextAddress(),
      });
      await single.prisma.authorizationCodeUse.update({
        where: { codeHash: hashCode(authCode) },
        data: { errcode: 61009, leaseUntil: null },
      });
      return waiting;
    });
    expect(outcome).toMatchObject({ ok: false, error: "code_rejected", errcode: 61009 });
    expect((await sandboxCalls(sandbox, "api_query_auth")).length).toBe(before);
  });

  it("two instances racing with the callback and the push for one code: one exchange, one authorizer, one set of credentials", async () => {
    await sandboxControl(sandbox, "faults", { kind: "drop-push", endpoint: "authorized" });
    const account = officialAccounts()[1]!;
    const attempt = await createAttempt({ authType: 1 });
    const preAuthCode = attempt.links!.plugin.preAuthCode;
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    const authCode = back.searchParams.get("auth_code")!;
    // Two copies of the module: two instances, each with its own in-process single-flight.
    const one = await import("@/lib/authorization/complete");
    vi.resetModules();
    const other = await import("@/lib/authorization/complete");
    expect(other.completeAuthorization).not.toBe(one.completeAuthorization);
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;
    const results = await withPool(3, () =>
      Promise.all([
        one.completeAuthorization({ authCode, source: "callback", attemptId: attempt.id }),
        other.completeAuthorization({ authCode, source: "push", preAuthCode }),
      ]),
    );
    expect((await sandboxCalls(sandbox, "api_query_auth")).length - before).toBe(1);
    expect(results.map((r) => [r.authorizerAppid, r.attemptId, r.refused])).toEqual([
      [account.appid, attempt.id, null],
      [account.appid, attempt.id, null],
    ]);
    expect(results.filter((r) => !r.alreadyCompleted)).toHaveLength(1);
    expect(await t.database.prisma.authorizer.count({ where: { appid: account.appid } })).toBe(1);
    expect(await t.database.prisma.authorizerCredential.count({ where: { authorizerAppid: account.appid } })).toBe(1);
    expect(await t.database.prisma.authorizationCodeUse.count({ where: { authorizerAppid: account.appid } })).toBe(1);
    expect(await getAttempt(attempt.id)).toMatchObject({ status: "completed", authorizerAppid: account.appid });
  });
});
