// Issue 13, the merchant's side: what was withheld is named (1), a cancel on the phone reaches the
// desktop through the portal's phone page (2), the PC page becomes the result (3), /authorize inside
// WeChat on a phone goes to the phone flow and its fallback is a link (4), the PC button says what it
// does (5); every merchant page and the sign-in page pass axe in both languages, and the merchant
// pages work by keyboard (12). Each runs in the desktop project at 1366 px and the mobile project at
// 390 px; screenshots land in artifacts/screenshots/merchant/<project>/, axe summaries in
// artifacts/accessibility/<project>/.
import { devices, type BrowserContext, type Locator, type Page, type TestInfo } from "@playwright/test";
import { expectAccessible } from "./accessibility";
import { E2E } from "./config";
import { attemptIdOf, clientAddress, confirmOnPhone, expect, openPhone, readAttempt, snap, test, WECHAT_UA } from "./fixtures";

const PORTAL = E2E.portalUrl;
const SANDBOX = E2E.sandboxUrl;
const LANGUAGES = ["zh-CN", "en"] as const;
type Language = (typeof LANGUAGES)[number];
/** The sets the admin unticked: 消息管理, 用户管理, 账号服务. */
const WITHHELD = [1, 2, 3];
const WECHAT_H5 = new RegExp(`^${SANDBOX}/wxaopen/safe/bindcomponent\\?`);

/** The width the issue was seen at: 1366 px on the desktop, 390 px on the phone. */
const viewportFor = (testInfo: TestInfo) =>
  testInfo.project.name === "mobile" ? { width: 390, height: 844 } : { width: 1366, height: 768 };

async function setLanguage(context: BrowserContext, language: Language) {
  await context.addCookies([{ name: "portal_locale", value: language, url: PORTAL }]);
}

/** One page in both languages: its own check, a screenshot and the axe check each time. */
async function inBothLanguages(page: Page, testInfo: TestInfo, name: string, url: string, check?: (language: Language) => Promise<void>) {
  for (const language of LANGUAGES) {
    await setLanguage(page.context(), language);
    await page.goto(url);
    await expect(page.locator("html")).toHaveAttribute("lang", language);
    if (check) await check(language);
    await snap(page, testInfo, `${name}-${language}`);
    await expectAccessible(page, testInfo, `${name}-${language}`);
  }
  await setLanguage(page.context(), "zh-CN");
}

/** The focused element shows where it is: an outline (its own, or the browser's ring) or a shadow. */
async function expectVisibleFocus(target: Locator) {
  await expect(target).toBeFocused();
  const ring = await target.evaluate((element) => {
    const style = getComputedStyle(element);
    return { outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0, shadow: style.boxShadow !== "none" };
  });
  expect(ring.outline || ring.shadow, "the focused element has a visible focus ring").toBe(true);
}

/** What the PC page's QR code encodes. */
const qrValue = async (page: Page) => String(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value"));

test.describe("merchant pages after issue 13", () => {
  test.beforeEach(async ({ context, page }, testInfo) => {
    await context.setExtraHTTPHeaders({ "x-forwarded-for": clientAddress(testInfo) });
    await page.setViewportSize(viewportFor(testInfo));
  });

  test("1 and 3: the sets the admin unticked are named with what that means; the PC page becomes the result", async ({
    page,
    browser,
    request,
    sandbox,
  }, testInfo) => {
    test.setTimeout(180_000);
    const account = await sandbox.createAccount("official_account");
    // No category_id_list: WeChat offers every published set of the kind, all ticked.
    await page.goto("/authorize?auth_type=1");
    const id = await attemptIdOf(page);
    await expect(page.getByTestId("grant-summary")).toBeVisible();

    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    await phone.goto(await qrValue(page));
    await confirmOnPhone(phone, account, WITHHELD);
    await expect(phone).toHaveURL(/\/authorize\/result\?attempt=/);
    await expect(phone.getByTestId("withheld-sets").locator("li")).toHaveCount(3);

    // The desktop, without a reload: success, what was withheld and what it means, and nothing beside it.
    await expect(page.getByTestId("attempt-success")).toBeVisible({ timeout: 10_000 });
    await expect(page.getByRole("heading", { level: 1, name: "授权成功" })).toBeFocused();
    const withheld = page.getByTestId("withheld");
    await expect(withheld.getByRole("heading", { name: "申请的权限集中有 3 个没有授予" })).toBeVisible();
    await expect(page.getByTestId("withheld-sets").locator("li")).toHaveText([/消息管理/, /用户管理/, /账号服务/]);
    await expect(withheld).toContainText("依赖这些接口的功能将无法使用");
    await expect(page.getByTestId("granted-sets").locator("li")).toHaveCount(account.permissionSets.length - 3);
    await expect(page.getByTestId("granted-sets")).not.toContainText("消息管理");
    // Granting them later is one link away: the same request, pinned to this account.
    await expect(page.getByTestId("regrant")).toHaveAttribute("href", `/authorize?auth_type=1&biz_appid=${account.appid}`);
    await expect(page.getByTestId("grant-summary")).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "如何授权" })).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "授权你的微信账号" })).toHaveCount(0);
    await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
    const attempt = (await readAttempt(request, id)) as Awaited<ReturnType<typeof readAttempt>> & {
      withheldPermissionSets: { id: number }[] | null;
    };
    expect(attempt.status).toBe("completed");
    expect(attempt.withheldPermissionSets?.map((set) => set.id)).toEqual(WITHHELD);
    expect(await sandbox.grantedSets(account.appid)).not.toContain(1);

    // Opened again later, the PC page is still only the result.
    await page.reload();
    await expect(page.getByTestId("attempt-success")).toBeVisible();
    await expect(page.getByTestId("grant-summary")).toHaveCount(0);

    await inBothLanguages(page, testInfo, "result-withheld", `/authorize/result?attempt=${id}`, async (language) => {
      await expect(page.getByTestId("withheld")).toContainText(
        language === "en" ? "3 permission sets asked for were not granted" : "3 个没有授予",
      );
    });
    await inBothLanguages(page, testInfo, "pc-withheld", `/authorize?attempt=${id}`);
    await snap(phone, testInfo, "phone-result-withheld-zh-CN");

    // Everything granted: no withheld section at all.
    const whole = await sandbox.createAccount("official_account");
    await page.goto("/authorize?auth_type=1&category_id_list=1|2|11");
    const wholeId = await attemptIdOf(page);
    await phone.goto(await qrValue(page));
    await confirmOnPhone(phone, whole);
    await expect(page.getByTestId("attempt-success")).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId("granted-sets").locator("li")).toHaveCount(3);
    await expect(page.getByTestId("withheld")).toHaveCount(0);
    await inBothLanguages(page, testInfo, "result-success", `/authorize/result?attempt=${wholeId}`);
    await inBothLanguages(page, testInfo, "pc-success", `/authorize?attempt=${wholeId}`);
    await phoneContext.close();
  });

  test("2: a cancel on the phone reaches the desktop through the portal's phone page, and the attempt records it", async ({
    page,
    browser,
    request,
  }, testInfo) => {
    test.setTimeout(150_000);
    await page.goto("/authorize?auth_type=1");
    const id = await attemptIdOf(page);
    const phoneContext = await openPhone(browser, viewportFor(testInfo).width === 390 ? { width: 390, height: 844 } : undefined);
    const phone = await phoneContext.newPage();
    await phone.goto(await qrValue(page));
    await expect(phone).toHaveURL(WECHAT_H5);
    await phone.getByRole("button", { name: "取消" }).click();
    await expect(phone.getByRole("heading", { name: "已取消授权" })).toBeVisible();
    // WeChat tells the component nothing of it (no push, no redirect): the attempt is still waiting.
    expect((await readAttempt(request, id)).status).toBe("pending");

    // The admin goes back in WeChat, past its account list, to the portal's page: it asks what now.
    await phone.goBack();
    await phone.goBack();
    await expect(phone).toHaveURL(`${PORTAL}/m/authorize?attempt=${id}&returned=1`);
    await expect(phone.getByTestId("returned")).toBeVisible();
    await expect(phone.getByTestId("open-again")).toHaveAttribute("href", `/m/authorize?attempt=${id}`);
    await expectAccessible(phone, testInfo, "m-returned-zh-CN");
    await snap(phone, testInfo, "m-returned-zh-CN");
    await setLanguage(phoneContext, "en");
    await phone.reload();
    await expect(phone.getByTestId("stop")).toHaveText("Don’t authorize: stop this attempt");
    await expectAccessible(phone, testInfo, "m-returned-en");
    await snap(phone, testInfo, "m-returned-en");
    await setLanguage(phoneContext, "zh-CN");

    // Opening WeChat's page again works, and coming back asks again instead of forwarding in a loop.
    await phone.reload();
    await phone.getByTestId("open-again").click();
    await expect(phone).toHaveURL(WECHAT_H5);
    await phone.goBack();
    await expect(phone.getByTestId("returned")).toBeVisible();

    // By keyboard: the language switch, open again, stop; Enter stops.
    await phone.locator("body").click({ position: { x: 1, y: 1 } });
    await phone.keyboard.press("Tab");
    await expectVisibleFocus(phone.locator("#lang"));
    await phone.keyboard.press("Tab");
    await expectVisibleFocus(phone.getByTestId("open-again"));
    await phone.keyboard.press("Tab");
    await expectVisibleFocus(phone.getByTestId("stop"));
    await phone.keyboard.press("Enter");
    await expect(phone.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled_on_phone");
    await expect(phone).toHaveURL(`${PORTAL}/m/authorize?attempt=${id}`);

    // The desktop shows it without a reload, and offers to start again; the attempt records it.
    await expect(page.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled_on_phone", { timeout: 10_000 });
    await expect(page.getByRole("heading", { level: 1, name: "管理员没有在手机上授权" })).toBeFocused();
    await expect(page.getByTestId("retry")).toHaveAttribute("href", "/authorize?auth_type=1");
    await expect(page.getByTestId("attempt-status")).toHaveCount(0);
    expect(await readAttempt(request, id)).toMatchObject({ status: "cancelled", links: null, failure: { reason: "cancelled_on_phone" } });

    await inBothLanguages(page, testInfo, "result-cancelled", `/authorize/result?attempt=${id}`, async () => {
      await expect(page.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled_on_phone");
    });
    await inBothLanguages(page, testInfo, "pc-cancelled", `/authorize?attempt=${id}`);
    await inBothLanguages(phone, testInfo, "m-cancelled", `/m/authorize?attempt=${id}`);

    // Started again: a new attempt, waiting.
    await page.goto(`/authorize?attempt=${id}`);
    await page.getByTestId("retry").click();
    await expect.poll(() => new URL(page.url()).searchParams.get("attempt")).not.toBe(id);
    await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
    await phoneContext.close();
  });

  test("4: /authorize inside WeChat on a phone is the phone flow, with the query kept; the PC page's fallback is a link", async ({
    page,
    browser,
    request,
  }, testInfo) => {
    const wechat = await openPhone(browser);
    const phone = await wechat.newPage();
    const answer = await phone.request.get(`${PORTAL}/authorize?auth_type=1&category_id_list=1|2`, {
      headers: { "user-agent": WECHAT_UA },
      maxRedirects: 0,
    });
    expect(answer.status()).toBe(307);
    expect(answer.headers().location).toBe("/m/authorize?auth_type=1&category_id_list=1%7C2");
    await phone.goto("/authorize?auth_type=1&category_id_list=1|2");
    await expect(phone).toHaveURL(WECHAT_H5);
    expect(new URL(phone.url()).searchParams.get("category_id_list")).toBe("1|2");

    // A link to an attempt (made on the desktop, or in the console) resumes that very attempt on the phone.
    await page.goto("/authorize?auth_type=2");
    const id = await attemptIdOf(page);
    expect((await readAttempt(request, id)).links).toBeNull();
    await phone.goto(`/authorize?attempt=${id}`);
    await expect(phone).toHaveURL(WECHAT_H5);
    expect(new URL(String(new URL(phone.url()).searchParams.get("redirect_uri"))).searchParams.get("attempt")).toBe(id);
    expect((await readAttempt(request, id)).links).not.toBeNull();
    await wechat.close();

    // On the PC page the phone's address is a link (tapped inside WeChat it goes straight on).
    const phoneUrl = `${PORTAL}/m/authorize?attempt=${id}`;
    await expect(page.getByTestId("copy-value")).toHaveText(phoneUrl);
    await expect(page.getByRole("link", { name: phoneUrl })).toHaveAttribute("href", phoneUrl);
    await snap(page, testInfo, "pc-fallback-link");
  });

  test("5 and 12: the PC button stops this attempt, in words that are not WeChat's for revoking; axe on the other pages; keyboard", async ({
    page,
    browser,
    request,
  }, testInfo) => {
    test.setTimeout(150_000);
    await inBothLanguages(page, testInfo, "pc-waiting", "/authorize?auth_type=1", async (language) => {
      await expect(page.getByTestId("cancel")).toHaveText(language === "en" ? "Stop this attempt" : "停止本次授权");
      // WeChat's words for revoking an authorization (取消授权, and the old English "Cancel") name no button.
      await expect(page.getByRole("button", { name: language === "en" ? /^cancel/i : /取消授权/ })).toHaveCount(0);
      if (language === "zh-CN") await expect(page.getByTestId("attempt-live")).not.toContainText("取消授权");
      // And WeChat tells the page nothing of a cancel on the phone: the page says so, next to the button.
      await expect(page.getByTestId("cancel-hint")).toContainText(language === "en" ? "Stop this attempt" : "停止本次授权");
    });
    await inBothLanguages(page, testInfo, "signin", "/signin", async (language) => {
      await expect(page.getByRole("button", { name: language === "en" ? "Sign in" : "登录" })).toBeVisible();
    });
    // The phone page as this project's browser gets it (a desktop browser: the PC page), and outside WeChat on a phone.
    await inBothLanguages(page, testInfo, "m-authorize", "/m/authorize?auth_type=1");
    const outsideContext = await browser.newContext({
      ...devices["Pixel 7"],
      viewport: { width: 390, height: 844 },
      extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo, 1) },
    });
    const outside = await outsideContext.newPage();
    await inBothLanguages(outside, testInfo, "m-outside-wechat", "/m/authorize?auth_type=1", async () => {
      await expect(outside.getByTestId("open-in-wechat")).toBeVisible();
    });
    await outsideContext.close();
    // Where the callback sends a browser that comes back after the attempt's time.
    await page.goto("/authorize?auth_type=3&category_id_list=1|17");
    const expiredId = await attemptIdOf(page);
    await inBothLanguages(page, testInfo, "result-expired", `/authorize/result?attempt=${expiredId}&error=expired`, async () => {
      await expect(page.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "expired");
    });

    // Keyboard through the waiting PC page: each control in order, each visibly focused, then operated.
    await page.goto("/authorize?auth_type=1");
    const id = await attemptIdOf(page);
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    const order = [
      page.getByLabel("语言"),
      page.getByTestId("open-pc"),
      page.getByTestId("cancel"),
      page.getByTestId("copy-value"),
      page.getByTestId("copy-link"),
      page.getByText(/查看全部 \d+ 个权限集/),
    ];
    for (const target of order) {
      await page.keyboard.press("Tab");
      await expectVisibleFocus(target);
    }
    // The list of every set opens from the keyboard.
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("published-sets")).toBeVisible();
    // Back to the stop button, and Enter: the attempt stops and focus lands on the outcome.
    for (let step = 0; step < 3; step++) await page.keyboard.press("Shift+Tab");
    await expectVisibleFocus(page.getByTestId("cancel"));
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled");
    await expect(page.getByRole("heading", { level: 1, name: "已停止本次授权" })).toBeFocused();
    expect(await readAttempt(request, id)).toMatchObject({ status: "cancelled", failure: { reason: "cancelled_by_merchant" } });
    // From the outcome's heading the next stop is the retry; Enter starts again.
    await page.keyboard.press("Tab");
    await expectVisibleFocus(page.getByTestId("retry"));
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).searchParams.get("attempt")).not.toBe(id);
    await expect(page.getByTestId("cancel")).toBeVisible();
  });
});
