// WeChat (here: a sandbox restarted from its seed) may hand out a pre_auth_code the portal already
// stores for another attempt. That is never a 500: the code moves to the attempt that asked for it,
// and the attempt that held it asks for a new one when it next needs one.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));
import { POST as receivePush } from "@/app/api/wechat/component/events/route";
import { POST as renewRoute } from "@/app/api/authorize/attempts/[id]/renew/route";
import { createAttempt, findAttemptIdByCode, getAttempt } from "@/lib/authorization/attempts";
import { openAttempt, readPublicAttempt } from "@/lib/merchant/attempts";
import { decidePhonePage } from "@/lib/merchant/phone";
import type { PublicAttempt } from "@/lib/merchant/types";
import type { TestDatabase } from "../../helpers/database";
import { eventually } from "../../helpers/eventually";
import type { ServedRoute } from "../../helpers/routes";
import { confirmOnPhone, sandboxControl, type TestSandbox } from "../../helpers/sandbox";
import { settlePortalStack, startPortalStack, stopPortalStack } from "../../helpers/stack";

type Account = { appid: string; kind: string; releaseTest: boolean };

const WECHAT_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0.47.2560";

describe("a pre_auth_code WeChat issues twice (PostgreSQL + sandbox)", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  let accounts: Account[];
  let address = 0;
  const nextAddress = () => `10.5.0.${++address}`;
  const codeOf = (link: string) => new URL(link).searchParams.get("pre_auth_code");

  /** The sandbox starts over from its seed: the codes it hands out next are the ones it handed out first. */
  async function restartSandbox() {
    await sandboxControl(sandbox, "reset", { pushTicket: true });
    await portal.idle();
  }

  async function open(): Promise<PublicAttempt> {
    const opened = await openAttempt({ query: { auth_type: "1" }, clientAddress: nextAddress() });
    if (opened.kind !== "ok") throw new Error(opened.kind);
    return opened.attempt;
  }

  const renew = async (id: string) => {
    const response = await renewRoute(new Request(`http://localhost:3000/api/authorize/attempts/${id}/renew`, { method: "POST" }), {
      params: Promise.resolve({ id }),
    });
    return { status: response.status, body: (await response.json()) as PublicAttempt };
  };

  beforeAll(async () => {
    ({ t, sandbox, portal, accounts } = await startPortalStack<Account>({ handler: receivePush, queue: afterQueue }));
  });
  afterAll(() => stopPortalStack({ t, sandbox, portal }));
  beforeEach(async () => {
    await settlePortalStack({ t, portal });
    await restartSandbox();
  });

  it("the PC button gets the repeated code (no 500); the attempt that held it gets a new one when it needs one", async () => {
    const holder = await createAttempt({ authType: 1 });
    const repeated = holder.links!.plugin.preAuthCode;
    await restartSandbox();

    const asker = await open();
    const answer = await renew(asker.id);
    expect(answer.status).toBe(200);
    expect(codeOf(answer.body.links!.pc)).toBe(repeated);
    expect(await findAttemptIdByCode(repeated)).toBe(asker.id);
    // The holder lost it: no links until it asks again, and then a code of its own.
    expect(await readPublicAttempt(holder.id)).toMatchObject({ status: "pending", links: null });
    const again = await renew(holder.id);
    expect(again.status).toBe(200);
    expect(codeOf(again.body.links!.pc)).not.toBe(repeated);

    // The repeated code completes the attempt that has it now.
    const account = accounts.find((a) => a.kind === "official_account" && !a.releaseTest)!;
    await confirmOnPhone({ h5Link: answer.body.links!.h5, appid: account.appid });
    // The `authorized` push names the repeated code.
    await eventually(async () => {
      await portal.idle();
      return (await getAttempt(asker.id))?.status === "completed";
    });
    expect(await getAttempt(asker.id)).toMatchObject({ status: "completed", authorizerAppid: account.appid });
    expect(await getAttempt(holder.id)).toMatchObject({ status: "pending" });
  });

  it("a console link and the phone page inside WeChat get a repeated code too", async () => {
    const first = await createAttempt({ authType: 1 });
    await restartSandbox();
    const link = await createAttempt({ authType: 2 }, { createdById: "staff-1" });
    expect(link.links!.plugin.preAuthCode).toBe(first.links!.plugin.preAuthCode);
    expect((await getAttempt(first.id))?.links).toBeNull();

    await restartSandbox();
    const phone = await open();
    const page = await decidePhonePage({ query: { attempt: phone.id }, userAgent: WECHAT_UA, clientAddress: nextAddress() });
    expect(page.kind).toBe("forward");
    expect(page.kind === "forward" && codeOf(page.h5Link)).toBe(first.links!.plugin.preAuthCode);
    expect((await getAttempt(link.id))?.links).toBeNull();
    expect(await t.database.prisma.authorizationAttempt.count({ where: { preAuthCode: first.links!.plugin.preAuthCode } })).toBe(1);
  });
});
