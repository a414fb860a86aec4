// The portal as the provider's hub, end to end in real Chromium against the sandbox and a receiver
// of the spec's own (e2e/receiver.ts): a link made for a merchant_ref is authorized on a phone, the
// merchant lands on the link's return_url with the outcome, and the receiver gets
// authorizer.authorized for that merchant, signed (checked by an independent implementation); a
// user's message reaches a reply route and its answer reaches the user, a route slower than the
// reply deadline leaves WeChat with `success` and still gets the message afterwards; a receiver that
// is down gets every message once it is back, each retry under the webhook-id it first had.
import type { Browser } from "@playwright/test";
import { E2E } from "./config";
import { confirmOnPhone, expect, openPhone, snap, STAFF_STATE, test } from "./fixtures";
import { startReceiver, verifyStandardSignature, type Receiver } from "./receiver";

test.describe.configure({ mode: "serial" });
test.use({ storageState: STAFF_STATE });

/** A token-centre key with the hub scope, made as staff make one (the console's API keys page). */
async function createHubKey(browser: Browser): Promise<string> {
  const context = await browser.newContext({ storageState: STAFF_STATE, baseURL: E2E.portalUrl });
  const page = await context.newPage();
  await page.goto("/console/api-keys");
  await page.getByLabel("名称").fill(`e2e hub ${Date.now()}`);
  const scope = page.getByTestId("api-key-scope");
  await scope.locator('input[name="hub"]').check();
  await scope.locator('input[name="readOnly"]').uncheck();
  await page.getByTestId("create-api-key").click();
  const key = await page.getByTestId("new-api-key-value").inputValue();
  await context.close();
  return key;
}

test.describe("the hub", () => {
  let receiver: Receiver;
  let key: string;

  const api = async <T>(path: string, body: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${E2E.portalUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const createEndpoint = async (body: { url: string; events: string[]; routes?: Record<string, unknown>[] }) => {
    const created = await api<{ id: string; secret: string }>("/api/v1/webhook-endpoints", body);
    expect(created.status).toBe(201);
    return created.body;
  };

  test.beforeAll(async ({ browser }) => {
    receiver = await startReceiver();
    key = await createHubKey(browser);
  });
  test.afterAll(async () => {
    await receiver?.close();
  });

  test("a link made for a merchant: authorized on the phone, the merchant lands on return_url, the service gets authorizer.authorized", async ({
    page,
    browser,
    sandbox,
  }, testInfo) => {
    const run = `${testInfo.project.name}-${Date.now()}`;
    const hooks = `/hooks/lifecycle-${run}`;
    const merchantRef = `merchant-${run}`;
    const { secret } = await createEndpoint({ url: `${E2E.receiverOrigin}${hooks}`, events: ["authorizer.authorized"] });
    const account = await sandbox.createAccount("official_account");

    // Staff make the link in the console, for the provider's merchant.
    await page.goto("/console/links");
    await page.locator('select[name="authType"]').selectOption("1");
    await page.getByLabel("商户标识（merchant_ref）").fill(merchantRef);
    await page.getByLabel("返回地址（return_url）").fill(`${E2E.receiverOrigin}/done?from=portal`);
    await page.getByTestId("create-link").click();
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    const attemptId = new URL(page.url()).pathname.split("/").at(-1)!;

    // The merchant opens the portal's page of that link; the account's admin scans it in WeChat.
    await page.goto(`/authorize?attempt=${attemptId}`);
    const phoneUrl = String(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value"));
    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    await phone.goto(phoneUrl);
    await confirmOnPhone(phone, account);

    // Back on the merchant's site, with the outcome (and return_url's own query kept).
    await expect(phone.getByTestId("merchant-site")).toBeVisible();
    const landed = new URL(phone.url());
    expect(landed.origin + landed.pathname).toBe(`${E2E.receiverOrigin}/done`);
    expect(Object.fromEntries(landed.searchParams)).toMatchObject({
      from: "portal",
      status: "authorized",
      attempt_id: attemptId,
      merchant_ref: merchantRef,
      authorizer_appid: account.appid,
    });
    await phoneContext.close();
    // The desktop page sees the outcome, offers the way back and takes it.
    await expect(page.getByRole("link", { name: "返回商户页面" })).toBeVisible();
    await snap(page, testInfo, "hub-return-to-merchant");
    await expect(page.getByTestId("merchant-site")).toBeVisible({ timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get("status")).toBe("authorized");

    // The provider's service learns which of its merchants authorized which account.
    await expect.poll(() => receiver.at(hooks).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const [event] = receiver.at(hooks);
    expect(event!.json).toMatchObject({
      type: "authorizer.authorized",
      data: { authorizer_appid: account.appid, merchant_ref: merchantRef, attempt_id: attemptId, account_type: "official_account" },
    });
    expect(verifyStandardSignature({ secret, headers: event!.headers, body: event!.body })).toBe(true);
    expect(
      verifyStandardSignature({ secret: `whsec_${Buffer.alloc(24, 9).toString("base64")}`, headers: event!.headers, body: event!.body }),
    ).toBe(false);

    // The console shows the account bound to the merchant.
    await page.goto(`/console/authorizers?merchant=${encodeURIComponent(merchantRef)}`);
    await expect(page.locator('[data-testid="authorizer-row"]')).toHaveCount(1);
    await snap(page, testInfo, "hub-authorizers-by-merchant");
  });

  test("a user's message reaches a reply route and its answer reaches the user; a slow route is answered success and delivered later", async ({
    sandbox,
  }, testInfo) => {
    const run = `${testInfo.project.name}-${Date.now()}`;
    const replies = `/hooks/replies-${run}`;
    const account = await sandbox.createAccount("official_account");
    await sandbox.authorize(account.appid, account.permissionSets);
    await createEndpoint({
      url: `${E2E.receiverOrigin}${replies}`,
      events: ["message.received"],
      routes: [{ authorizer_appid: account.appid, msg_type: "text", reply: true }],
    });
    receiver.answer(replies, (request) => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        reply: { type: "text", content: `收到：${String((request.json.data.fields as { Content?: string }).Content)}` },
      }),
    }));
    const send = async (content: string) => (await sandbox.sendMessages({ appid: account.appid, type: "text", content })).results[0]!;

    const answered = await send("你好");
    expect(answered).toMatchObject({ status: "replied", tries: 1, reply: { msg_type: "text", content: "收到：你好" } });

    // Slower than the reply deadline (3 s): WeChat is answered `success` in time, nothing reaches the
    // user, and the message is delivered again, now answered at once.
    let slow = true;
    receiver.answer(replies, () => (slow ? { status: 200, delayMs: 4_500, body: "{}", contentType: "application/json" } : { status: 204 }));
    const late = await send("慢一点");
    expect(late).toMatchObject({ status: "no_reply", tries: 1, reply: null });
    slow = false;
    const forLate = () => receiver.at(replies).filter((request) => request.json.data.msg_id === late.msg_id);
    await expect.poll(() => forLate().filter((request) => request.answered === 204).length, { timeout: 30_000 }).toBe(1);
    const ids = new Set(forLate().map((request) => request.headers["webhook-id"]));
    expect(ids.size).toBe(1);
  });

  test("a receiver that is down gets every message once it is back, retries under the same webhook-id", async ({ sandbox }, testInfo) => {
    const run = `${testInfo.project.name}-${Date.now()}`;
    const inbox = `/hooks/inbox-${run}`;
    const account = await sandbox.createAccount("official_account");
    await sandbox.authorize(account.appid, account.permissionSets);
    await createEndpoint({
      url: `${E2E.receiverOrigin}${inbox}`,
      events: ["message.received"],
      routes: [{ authorizer_appid: account.appid }],
    });
    let down = true;
    receiver.answer(inbox, () => (down ? { status: 503, body: "down for maintenance" } : { status: 204 }));

    const burst = await sandbox.sendMessages({ appid: account.appid, type: "text", content: "burst", count: 20 });
    expect(burst.sent).toBe(20);
    // The portal stored and acknowledged every one, however its receiver was doing.
    expect(burst.summary).toMatchObject({ no_reply: 20 });
    await expect.poll(() => new Set(receiver.at(inbox).map((request) => request.json.data.msg_id)).size, { timeout: 15_000 }).toBe(20);
    down = false;

    const deliveredIds = () =>
      new Set(
        receiver
          .at(inbox)
          .filter((r) => r.answered === 204)
          .map((r) => r.json.data.msg_id),
      );
    await expect.poll(() => deliveredIds().size, { timeout: 45_000 }).toBe(20);
    // Every message kept its webhook-id from the failed try to the delivered one.
    const idsByMessage = new Map<unknown, Set<unknown>>();
    for (const request of receiver.at(inbox)) {
      const ids = idsByMessage.get(request.json.data.msg_id) ?? new Set();
      ids.add(request.headers["webhook-id"]);
      idsByMessage.set(request.json.data.msg_id, ids);
    }
    expect([...idsByMessage.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(receiver.at(inbox).length).toBeGreaterThanOrEqual(40);
  });
});
