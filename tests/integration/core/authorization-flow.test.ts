import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { GET as callback } from "@/app/api/wechat/authorize/callback/route";
import { createAttempt, getAttempt, renewAttempt } from "@/lib/authorization/attempts";
import { databaseKind, type TestDatabase } from "../../helpers/database";
import { type ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxCalls, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; nick_name?: string };

describe(`authorization: attempts, the phone, the callback (${databaseKind} + sandbox)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  const officialAccount = () => accounts.find((a) => a.kind.startsWith("official") && !a.appid.startsWith("wx570bc"))!;
  const miniProgram = () => accounts.find((a) => a.kind.startsWith("mini"))!;

  /** The browser arriving at redirect_uri: the portal's answer and where it sends the merchant. */
  const arrive = async (url: URL) => {
    const response = await callback(new Request(url.toString().replace(/^https?:\/\/[^/]+/, "http://localhost:3000")));
    return { status: response.status, location: new URL(response.headers.get("location")!) };
  };

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
  });

  it("creates an attempt with a pre_auth_code and the PC, H5 and plugin links carrying its id", async () => {
    const attempt = await createAttempt({ authType: 2, permissionSetIds: [17, 18] });
    expect(attempt.status).toBe("pending");
    const pc = new URL(attempt.links!.pc);
    expect(pc.pathname).toBe("/cgi-bin/componentloginpage");
    expect(pc.searchParams.get("auth_type")).toBe("2");
    expect(pc.searchParams.get("category_id_list")).toBe("17|18");
    const redirect = new URL(pc.searchParams.get("redirect_uri")!);
    expect(redirect.pathname).toBe("/api/wechat/authorize/callback");
    expect(redirect.searchParams.get("attempt")).toBe(attempt.id);
    expect(attempt.links!.h5).toMatch(/\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&.*#wechat_redirect$/);
    expect(attempt.links!.plugin).toMatchObject({ authType: 2 });
    const row = await t.database.prisma.authorizationAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    expect(attempt.links!.plugin.preAuthCode).toBe(row.preAuthCode);
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 9 * 60 * 1000);
  });

  it("completes the H5 flow: the admin confirms fewer permission sets than asked, the callback stores exactly those", async () => {
    const account = officialAccount();
    const attempt = await createAttempt({ authType: 1 });
    const offered = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid }).then((u) => u.searchParams);
    expect(offered.get("auth_code")).toBeTruthy();
    // Second attempt for another account, unticking sets: the portal must keep what was granted.
    const other = miniProgram();
    const attempt2 = await createAttempt({ authType: 2 });
    const back = await confirmOnPhone({ h5Link: attempt2.links!.h5, appid: other.appid, funcIds: [17, 18] });
    expect(back.searchParams.get("attempt")).toBe(attempt2.id);
    expect(back.searchParams.get("expires_in")).toBeTruthy();

    const { status, location } = await arrive(back);
    expect(status).toBe(303);
    expect(location.pathname).toBe("/authorize/result");
    expect(location.searchParams.get("attempt")).toBe(attempt2.id);
    expect(location.searchParams.get("error")).toBeNull();

    const authorizer = await t.database.prisma.authorizer.findUniqueOrThrow({
      where: { appid: other.appid },
      include: { permissionSets: true, credential: true },
    });
    expect(authorizer.accountType).toBe("mini_program");
    expect(authorizer.permissionSets.map((s) => s.funcscopeId).sort((a, b) => a - b)).toEqual([17, 18]);
    expect(authorizer.credential?.accessTokenEnc).toBeTruthy();
    const done = await getAttempt(attempt2.id);
    expect(done).toMatchObject({ status: "completed", authorizerAppid: other.appid, links: null });
    expect((done!.result as { permissionSetIds: number[] }).permissionSetIds.sort()).toEqual([17, 18]);
  });

  it("refuses a forged callback (wrong state, unknown attempt) without asking WeChat or changing anything", async () => {
    const attempt = await createAttempt({ authType: 1 });
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;
    const forged = new URL("http://localhost:3000/api/wechat/authorize/callback");
    forged.searchParams.set("attempt", attempt.id);
    forged.searchParams.set("state", "not-the-state");
    forged.searchParams.set("auth_code", "queryauthcode@@@forged");
    const wrongState = await arrive(forged);
    expect(wrongState.location.searchParams.get("error")).toBe("forged");
    forged.searchParams.set("attempt", "no-such-attempt");
    expect((await arrive(forged)).location.searchParams.get("error")).toBe("forged");
    expect((await sandboxCalls(sandbox, "api_query_auth")).length).toBe(before);
    expect((await getAttempt(attempt.id))?.status).toBe("pending");
  });

  it("refuses a code WeChat never issued, and a replayed callback, changing nothing", async () => {
    const account = officialAccount();
    const attempt = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });

    const madeUp = new URL(back);
    madeUp.searchParams.set("auth_code", "queryauthcode@@@made-up");
    const refused = await arrive(madeUp);
    expect(refused.location.searchParams.get("error")).toBe("code_rejected");
    expect(refused.location.searchParams.get("errcode")).toBe("61009");
    expect((await getAttempt(attempt.id))?.status).toBe("pending");

    expect((await arrive(back)).location.searchParams.get("error")).toBeNull();
    const auditBefore = await t.database.prisma.auditLog.count();
    const replay = await arrive(back);
    expect(replay.location.searchParams.get("error")).toBe("code_used");
    expect(await t.database.prisma.auditLog.count()).toBe(auditBefore);
  });

  it("refuses an expired code (the merchant took too long)", async () => {
    const account = accounts.filter((a) => a.kind.startsWith("official"))[2]!;
    const attempt = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    await sandboxControl(sandbox, "clock/advance", { seconds: 3700 });
    const expired = await arrive(back);
    expect(expired.location.searchParams.get("error")).toBe("code_rejected");
    expect(expired.location.searchParams.get("errcode")).toBe("61010");
    expect(await t.database.prisma.authorizer.findUnique({ where: { appid: account.appid } })).toBeNull();
    // The merchant's confirmation is spent: the attempt says so, for the pages still watching it.
    expect(await getAttempt(attempt.id)).toMatchObject({ status: "failed", result: { reason: "code_rejected", errcode: 61010 } });
  });

  it("ends with one authorizer and one exchange when the callback and the authorized push race", async () => {
    const account = accounts.filter((a) => a.kind.startsWith("official"))[3]!;
    const before = (await sandboxCalls(sandbox, "api_query_auth")).length;
    const attempt = await createAttempt({ authType: 1 });
    const back = await confirmOnPhone({ h5Link: attempt.links!.h5, appid: account.appid });
    // The sandbox pushed `authorized` as the admin confirmed; the browser arrives at the same time.
    const [browser] = await Promise.all([arrive(back), portal.idle()]);
    await portal.idle();
    expect(browser.location.searchParams.get("error")).toBeNull();
    expect((await sandboxCalls(sandbox, "api_query_auth")).length - before).toBe(1);
    expect(await t.database.prisma.authorizer.count({ where: { appid: account.appid } })).toBe(1);
    expect(await t.database.prisma.authorizerCredential.count({ where: { authorizerAppid: account.appid } })).toBe(1);
    expect(await t.database.prisma.authorizationCodeUse.count({ where: { authorizerAppid: account.appid } })).toBe(1);
    const pushes = await t.database.prisma.receivedPush.findMany({ where: { authorizerAppid: account.appid, infoType: "authorized" } });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.processedAt).not.toBeNull();
    expect(pushes[0]!.error).toBeNull();
  });

  it("renews an attempt with a new pre_auth_code after its code lapsed (the attempt itself stays open)", async () => {
    const attempt = await createAttempt({ authType: 3 });
    const row = await t.database.prisma.authorizationAttempt.update({
      where: { id: attempt.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const lapsed = await getAttempt(attempt.id);
    expect(lapsed?.status).toBe("pending");
    expect(lapsed?.links).toBeNull();
    const renewed = await renewAttempt(attempt.id);
    expect(renewed?.status).toBe("pending");
    expect(renewed?.links?.plugin.preAuthCode).not.toBe(row.preAuthCode);
    expect(renewed!.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });
});
