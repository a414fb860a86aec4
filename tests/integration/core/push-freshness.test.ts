// The freshness window against a sandbox whose WeChat time runs fast and has been jumped ahead: its
// pushes keep real wire timestamps (as WeChat's do), so the portal, comparing with its own clock,
// accepts them. The window moves with the clock it is given and with WECHAT_PUSH_WINDOW_SECONDS.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const afterQueue = vi.hoisted(() => [] as (() => unknown)[]);
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next/server")>()),
  after: (fn: () => unknown) => void afterQueue.push(fn),
}));

import { POST } from "@/app/api/wechat/component/events/route";
import { receiveComponentPush } from "@/lib/authorization/pushes";
import { installDatabase } from "@/lib/db";
import { MessageCrypto } from "@/lib/wechat/crypto";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { buildXml } from "@/lib/wechat/xml";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { serveRoute, type ServedRoute } from "../../helpers/routes";
import { resetPortalCaches, sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";

const crypto = new MessageCrypto({
  token: DEMO_COMPONENT.token,
  encodingAesKey: DEMO_COMPONENT.encodingAesKey,
  appid: DEMO_COMPONENT.appid,
});

function signedTicketPush({ timestamp, ticket }: { timestamp: number; ticket: string }) {
  const nonce = String(Math.floor(Math.random() * 1e9));
  const plaintext = buildXml({
    AppId: DEMO_COMPONENT.appid,
    CreateTime: timestamp,
    InfoType: "component_verify_ticket",
    ComponentVerifyTicket: ticket,
  });
  const sealed = crypto.seal({ plaintext, timestamp: String(timestamp), nonce });
  return {
    query: new URLSearchParams({ timestamp: String(timestamp), nonce, encrypt_type: "aes", msg_signature: sealed.msgSignature }),
    body: `<xml><AppId><![CDATA[${DEMO_COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`,
  };
}

describe(`freshness window of pushes (${databaseKind} + sandbox on a fast clock)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let portal: ServedRoute;
  const stored = () => t.database.prisma.receivedPush.count();

  beforeAll(async () => {
    t = await createTestDatabase();
    portal = await serveRoute({ handler: POST, queue: afterQueue });
    // As in the fast-expiry tests and the fast-clock e2e: WeChat lifetimes 1800 times shorter.
    sandbox = await startTestSandbox({ eventUrl: `${portal.url}/api/wechat/component/events`, clock: 1800 });
  });
  afterAll(async () => {
    await sandbox.close();
    await portal.close();
    await t.drop();
  });
  beforeEach(async () => {
    await portal.idle();
    installDatabase(t.database);
    await t.database.prisma.receivedPush.deleteMany();
  });

  it("accepts the sandbox's pushes however fast its clock runs and however far it was advanced", async () => {
    await sandboxControl(sandbox, "clock/advance", { seconds: 3 * 86_400 });
    const delivery = await sandbox.pushTicket();
    expect(delivery.state).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status)).toEqual([200]);
    await portal.idle();
    expect(await stored()).toBe(1);
  });

  it("compares with the clock it is given: the same signed push is fresh now and a replay 10 minutes later", async () => {
    const push = signedTicketPush({ timestamp: Math.floor(Date.now() / 1000), ticket: "ticket@@@clock" });
    const later = await receiveComponentPush({ ...push, now: new Date(Date.now() + 10 * 60_000) });
    expect(later).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/s old; only 300 s/) });
    expect(await stored()).toBe(0);
    expect(await receiveComponentPush(push)).toMatchObject({ ok: true, duplicate: false });
    expect(await stored()).toBe(1);
  });

  it("uses WECHAT_PUSH_WINDOW_SECONDS", async () => {
    const twoMinutesOld = signedTicketPush({ timestamp: Math.floor(Date.now() / 1000) - 120, ticket: "ticket@@@window" });
    process.env.WECHAT_PUSH_WINDOW_SECONDS = "60";
    resetPortalCaches();
    try {
      const response = await fetch(`${portal.url}/api/wechat/component/events?${twoMinutesOld.query}`, {
        method: "POST",
        body: twoMinutesOld.body,
      });
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/only 60 s either way/);
      expect(await stored()).toBe(0);
    } finally {
      delete process.env.WECHAT_PUSH_WINDOW_SECONDS;
      resetPortalCaches();
    }
    expect(await receiveComponentPush(twoMinutesOld)).toMatchObject({ ok: true });
  });
});
