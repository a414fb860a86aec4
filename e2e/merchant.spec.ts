// The merchant's side against the WeChat sandbox, in real Chromium: the PC page (/authorize) with
// its QR code decoded and opened by a "phone" (a second context with WeChat's user agent), WeChat's
// own PC page, the H5 flow inside WeChat, the phone page outside WeChat, stopping on the portal
// (the phone's cancel: merchant-experience.spec.ts), a refused code, the 授权发起页域名 check, bad links, English, keyboard and 320 px.
// Each runs in the desktop and the mobile project; screenshots land in artifacts/screenshots/merchant/.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { QRCodeSVG } from "qrcode.react";
import { devices, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./config";
import {
  attemptIdOf,
  clientAddress,
  confirmOnPhone,
  expect,
  openPhone,
  readAttempt,
  snap,
  test,
  WECHAT_UA,
  type ApiAttempt,
} from "./fixtures";

const SANDBOX = E2E.sandboxUrl;
const PORTAL = E2E.portalUrl;

/** What the PC button asks for: the attempt with the links of a pre_auth_code that has time left. */
async function codeFor(request: APIRequestContext, id: string): Promise<ApiAttempt> {
  const response = await request.post(`${PORTAL}/api/authorize/attempts/${id}/renew`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as ApiAttempt;
}

/** The QR code really encodes `value`: the same module pattern qrcode.react draws for it. */
async function expectQrEncodes(page: Page, value: string) {
  const drawn = await page.locator('[data-testid="qr-frame"] svg path').last().getAttribute("d");
  const expected = renderToStaticMarkup(createElement(QRCodeSVG, { value, size: 192, level: "M", marginSize: 2 }));
  const modules = [...expected.matchAll(/<path[^>]* d="([^"]+)"/g)].map((match) => match[1]).at(-1);
  expect(drawn).toBeTruthy();
  expect(drawn).toBe(modules);
}

async function expectNoHorizontalScroll(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

test.describe("merchant authorization pages", () => {
  test.beforeEach(async ({ context }, testInfo) => {
    await context.setExtraHTTPHeaders({ "x-forwarded-for": clientAddress(testInfo) });
  });

  test("PC page: the QR code is decoded and scanned by a phone in WeChat; the desktop shows the account and the sets granted", async ({
    page,
    browser,
    request,
    sandbox,
  }, testInfo) => {
    const account = await sandbox.createAccount("official_account");
    await page.goto("/authorize?auth_type=1&category_id_list=1|2|7|11");
    await expect(page).toHaveURL(/\/authorize\?attempt=[A-Za-z0-9_-]{22}$/, { timeout: 15_000 });
    await expect(page.getByRole("heading", { level: 1, name: "授权你的微信账号" })).toBeVisible();
    await expect(page.getByTestId("account-types")).toHaveText("公众号");
    await expect(page.getByTestId("requested-sets").locator("li")).toHaveCount(4);
    await expect(page.getByTestId("requested-sets")).toContainText("消息管理");
    await expect(page.getByTestId("requested-sets")).toContainText("素材管理");
    await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
    await expect(page.getByTestId("countdown")).toContainText(/[0-6]\d:\d\d/);
    await expect(page.getByRole("img", { name: /授权二维码/ })).toBeVisible();
    await snap(page, testInfo, "pc-waiting");

    // What the QR code says, read from the page and checked against the modules drawn.
    const id = await attemptIdOf(page);
    // Nobody has used it yet: no pre_auth_code was asked of WeChat for this page.
    expect((await readAttempt(request, id)).links).toBeNull();
    const phoneUrl = await page.locator("svg[data-qr-value]").getAttribute("data-qr-value");
    expect(phoneUrl).toBe(`${PORTAL}/m/authorize?attempt=${id}`);
    await expect(page.getByTestId("copy-value")).toHaveText(String(phoneUrl));
    await expectQrEncodes(page, String(phoneUrl));

    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    await phone.goto(String(phoneUrl));
    // The phone page forwarded to WeChat's H5 page, and WeChat's domain check let it in.
    await expect(phone).toHaveURL(new RegExp(`^${SANDBOX}/wxaopen/safe/bindcomponent\\?`));
    await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
    await confirmOnPhone(phone, account, [7]);
    await expect(phone).toHaveURL(/\/authorize\/result\?attempt=/);
    await expect(phone.getByTestId("attempt-success")).toBeVisible();
    await snap(phone, testInfo, "phone-result-success");

    // The desktop learns of it without a reload, and puts focus on the outcome.
    const success = page.getByTestId("attempt-success");
    await expect(success).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId("authorizer-name")).toHaveText(account.nickName);
    await expect(page.getByTestId("authorizer-kind")).toContainText(/服务号|订阅号/);
    await expect(page.getByTestId("granted-sets").locator("li")).toHaveCount(3);
    await expect(page.getByTestId("granted-sets")).not.toContainText("群发与通知");
    await expect(page.getByTestId("withheld-sets")).toHaveText(/群发与通知/);
    await expect(page.getByTestId("withheld-sets").locator("li")).toHaveCount(1);
    await expect(page.getByRole("heading", { name: "授权成功" })).toBeFocused();
    await snap(page, testInfo, "pc-success");

    const attempt = await readAttempt(request, id);
    expect(attempt).toMatchObject({ status: "completed", links: null, authorizer: { nickName: account.nickName } });
    expect(attempt.grantedPermissionSets?.map((set) => set.id)).toEqual([1, 2, 11]);
    expect(JSON.stringify(attempt)).not.toMatch(/state|token|pre_auth_code/i);
    await phoneContext.close();
  });

  test("PC button: WeChat's own PC page opens from the portal, the phone confirms, the desktop lands on the result", async ({
    page,
    browser,
    sandbox,
  }, testInfo) => {
    const account = await sandbox.createAccount("mini_program");
    await page.goto("/authorize?auth_type=2");
    await expect(page.getByTestId("published-sets")).toBeHidden();
    await page.getByText("查看全部").click();
    await expect(page.getByTestId("published-sets")).toContainText("获取小程序码");
    await page.getByTestId("open-pc").click();
    // Navigated from the portal: the Referer passes WeChat's 授权发起页域名 check.
    await expect(page.getByRole("heading", { name: "公众平台账号授权" })).toBeVisible();
    await snap(page, testInfo, "wechat-pc-page");
    const sandboxPhone = String(await page.getByTestId("phone-link").getAttribute("href"));

    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    await phone.goto(sandboxPhone);
    await confirmOnPhone(phone, account);
    await expect(phone.getByRole("heading", { name: "授权成功" })).toBeVisible();

    await expect(page).toHaveURL(/\/authorize\/result\?attempt=/, { timeout: 10_000 });
    await expect(page.getByTestId("attempt-success")).toBeVisible();
    await expect(page.getByTestId("authorizer-name")).toHaveText(account.nickName);
    await expect(page.getByTestId("authorizer-kind")).toContainText("小程序");
    await expect(page.getByTestId("granted-sets").locator("li")).toHaveCount(account.permissionSets.length);
    await snap(page, testInfo, "result-success");
    await phoneContext.close();
  });

  test("H5 flow inside WeChat at 320 px: straight to WeChat's page, confirm, the result on the phone", async ({
    browser,
    sandbox,
  }, testInfo) => {
    const account = await sandbox.createAccount("mini_program");
    const context = await openPhone(browser, { width: 320, height: 740 });
    const phone = await context.newPage();
    const scripts: string[] = [];
    phone.on("request", (req) => {
      if (req.resourceType() === "script" && req.url().startsWith(PORTAL)) scripts.push(req.url());
    });
    await phone.goto("/m/authorize?auth_type=2&category_id_list=17|18|19");
    await expect(phone).toHaveURL(new RegExp(`^${SANDBOX}/wxaopen/safe/bindcomponent\\?`));
    expect(new URL(phone.url()).searchParams.get("category_id_list")).toBe("17|18|19");
    // The phone page loaded no JavaScript of the portal's on its way.
    expect(scripts).toEqual([]);
    await snap(phone, testInfo, "h5-wechat-accounts");
    await confirmOnPhone(phone, account, [19]);
    await expect(phone).toHaveURL(/\/authorize\/result\?attempt=/);
    await expect(phone.getByTestId("attempt-success")).toBeVisible();
    await expect(phone.getByTestId("authorizer-name")).toHaveText(account.nickName);
    await expect(phone.getByTestId("granted-sets").locator("li")).toHaveCount(2);
    await expect(phone.getByTestId("withheld-sets")).toContainText("小程序客服管理");
    await expectNoHorizontalScroll(phone, 320);
    await snap(phone, testInfo, "h5-result-success-320");

    // Opening the phone page again for the finished attempt says so instead of forwarding.
    const id = new URL(phone.url()).searchParams.get("attempt");
    await phone.goto(`/m/authorize?attempt=${id}`);
    await expect(phone.getByTestId("attempt-success")).toBeVisible();
    await context.close();
  });

  test("phone page outside WeChat: explains, copies the link, no QR on a phone; a desktop browser gets the QR page", async ({
    browser,
  }, testInfo) => {
    const phoneContext = await browser.newContext({
      ...devices["Pixel 7"],
      viewport: { width: 320, height: 740 },
      extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo) },
    });
    await phoneContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PORTAL });
    const phone = await phoneContext.newPage();
    const scripts: string[] = [];
    phone.on("request", (req) => {
      if (req.resourceType() === "script") scripts.push(req.url());
    });
    await phone.goto("/m/authorize?auth_type=1");
    await expect(phone.getByRole("heading", { name: "请在微信中打开" })).toBeVisible();
    await expect(phone).toHaveURL(/\/m\/authorize\?attempt=[A-Za-z0-9_-]{22}$/);
    const link = String(await phone.getByTestId("copy-value").textContent());
    expect(link).toBe(`${PORTAL}/m/authorize?attempt=${await attemptIdOf(phone)}`);
    // Keyboard: the language switch, then the copy button, reachable in order.
    await phone.keyboard.press("Tab");
    await expect(phone.locator("#lang")).toBeFocused();
    await phone.keyboard.press("Tab");
    await expect(phone.getByTestId("copy-link")).toBeFocused();
    await phone.keyboard.press("Enter");
    await expect(phone.getByTestId("copy-status")).toHaveText("已复制");
    expect(await phone.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await expect(phone.locator("svg")).toHaveCount(0);
    expect(scripts).toEqual([]);
    await expectNoHorizontalScroll(phone, 320);
    await snap(phone, testInfo, "m-outside-wechat-320");

    await phoneContext.close();

    const desktop = await browser.newContext({
      ...devices["Desktop Chrome"],
      extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo) },
    });
    const page = await desktop.newPage();
    await page.goto("/m/authorize?auth_type=1");
    await expect(page).toHaveURL(/\/authorize\?attempt=/);
    await expect(page.getByRole("img", { name: /授权二维码/ })).toBeVisible();
    await snap(page, testInfo, "m-outside-wechat-desktop");
    await desktop.close();
  });

  test("cancel on the portal: the page says so and offers a retry; the phone page stops forwarding", async ({
    page,
    browser,
    request,
  }, testInfo) => {
    await page.goto("/authorize?auth_type=3&category_id_list=1|17");
    const id = await attemptIdOf(page);
    await page.getByTestId("cancel").click();
    await expect(page.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled");
    await expect(page.getByRole("heading", { name: "已停止本次授权" })).toBeFocused();
    expect((await readAttempt(request, id)).status).toBe("cancelled");
    await snap(page, testInfo, "pc-cancelled");

    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    await phone.goto(`/m/authorize?attempt=${id}`);
    await expect(phone.getByTestId("attempt-failure")).toHaveAttribute("data-problem", "cancelled");
    await expect(phone).toHaveURL(/\/m\/authorize\?attempt=/);
    await snap(phone, testInfo, "m-cancelled");
    await phoneContext.close();

    // Retry: a new attempt with the same request.
    await page.getByTestId("retry").click();
    await expect.poll(() => new URL(page.url()).searchParams.get("attempt")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await expect.poll(() => new URL(page.url()).searchParams.get("attempt")).not.toBe(id);
    await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
    await expect(page.getByTestId("requested-sets").locator("li")).toHaveCount(2);
  });

  test("a code WeChat refuses ends on a clear result page with a retry", async ({ page, browser }, testInfo) => {
    await page.goto("/authorize?auth_type=1");
    const id = await attemptIdOf(page);
    // Where the callback sends the browser when WeChat refuses the code (61009); see the next test.
    const phoneContext = await openPhone(browser, { width: 320, height: 740 });
    const phone = await phoneContext.newPage();
    await phone.goto(`/authorize/result?attempt=${id}&error=code_rejected&errcode=61009`);
    await expect(phone.getByRole("heading", { name: "微信未接受本次授权" })).toBeVisible();
    await expect(phone.getByText("微信错误码：61009")).toBeVisible();
    await expect(phone.getByTestId("retry")).toHaveAttribute("href", "/m/authorize?auth_type=1");
    await expectNoHorizontalScroll(phone, 320);
    await snap(phone, testInfo, "result-code-rejected-320");
    await phoneContext.close();
    // The result page only reads; a failure is recorded by the callback, which checks the state
    // (an expired code fails the attempt: tests/integration/core/authorization-flow.test.ts).
    await expect(page.getByTestId("attempt-failure")).toHaveCount(0);
  });

  test("the callback sends a refused code to the result page", async ({ page, request }) => {
    // A refusal thrown by a WeChat client made in another server bundle must still be recognised
    // (it once escaped as a 500: lib/wechat/errors.ts brands its errors process-wide).
    await page.goto("/authorize?auth_type=1");
    const { links } = await codeFor(request, await attemptIdOf(page));
    const redirect = new URL(String(new URL(String(links?.pc)).searchParams.get("redirect_uri")));
    redirect.searchParams.set("auth_code", "queryauthcode@@@never-issued");
    redirect.searchParams.set("expires_in", "600");
    const response = await request.get(redirect.toString(), { maxRedirects: 0 });
    expect(response.status()).toBe(303);
    expect(response.headers().location).toMatch(/\/authorize\/result\?attempt=.*&error=code_rejected&errcode=61009$/);
  });

  test("the result page explains forged, unknown and unreachable outcomes", async ({ page }, testInfo) => {
    await page.goto("/authorize/result?error=forged");
    await expect(page.getByRole("heading", { name: "授权链接无效" })).toBeVisible();
    await expect(page.getByTestId("retry")).toHaveCount(0);
    await snap(page, testInfo, "result-forged");
    await page.goto("/authorize/result?attempt=AAAAAAAAAAAAAAAAAAAAAA");
    await expect(page.getByRole("heading", { name: "找不到这次授权" })).toBeVisible();
    await page.goto("/authorize?auth_type=2");
    const id = await attemptIdOf(page);
    await page.goto(`/authorize/result?attempt=${id}&error=unavailable&errcode=-1`);
    await expect(page.getByRole("heading", { name: "暂时无法确认授权" })).toBeVisible();
    await expect(page.getByText("微信错误码：-1")).toBeVisible();
    await snap(page, testInfo, "result-unavailable");
  });

  test("WeChat's domain check refuses the H5 link opened from anywhere but the portal", async ({ page, browser, request }, testInfo) => {
    await page.goto("/authorize?auth_type=1");
    const { links } = await codeFor(request, await attemptIdOf(page));
    const h5 = String(links?.h5);
    const phoneContext = await openPhone(browser);
    const phone = await phoneContext.newPage();
    // Pasted into a chat and tapped: no Referer.
    await phone.goto(h5);
    await expect(phone.getByTestId("refusal-message")).toContainText("授权入口页所在域名：空");
    // Linked from another site. (A new document: the same URL again would only move to its #fragment.)
    await phone.goto("about:blank");
    await phone.goto(h5, { referer: "http://evil.example.com/landing" });
    await expect(phone.getByTestId("refusal-message")).toContainText("授权入口页所在域名：evil.example.com");
    await snap(phone, testInfo, "domain-refused");
    // Through the portal's phone page it passes.
    await phone.goto(`/m/authorize?attempt=${await attemptIdOf(page)}`);
    await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
    await phoneContext.close();
  });

  test("a bad link is explained on the page and creates no attempt", async ({ page, request, sandbox }, testInfo) => {
    const before = await sandbox.preAuthCodesIssued();
    await page.goto("/authorize?auth_type=9&biz_appid=not-an-appid&category_id_list=1|x");
    await expect(page.getByRole("heading", { name: "授权链接有误" })).toBeVisible();
    await expect(page.getByTestId("attempt-failure")).toContainText("auth_type 应为 1 到 6 之间的数字");
    await expect(page.getByTestId("attempt-failure")).toContainText("biz_appid 应为 wx 开头");
    await expect(page.getByTestId("attempt-failure")).toContainText("category_id_list 应为用 | 分隔的权限集编号");
    await snap(page, testInfo, "pc-bad-link");
    await page.goto("/m/authorize?auth_type=0");
    await expect(page.getByRole("heading", { name: "授权链接有误" })).toBeVisible();
    await page.goto("/authorize?attempt=no-such-attempt-000000");
    await expect(page.getByRole("heading", { name: "找不到这次授权" })).toBeVisible();
    expect(await sandbox.preAuthCodesIssued()).toBe(before);
    expect((await request.get(`${PORTAL}/api/authorize/attempts/nope`)).status()).toBe(404);
  });

  test("a crawler is throttled: after 30 new attempts from one address the pages say so, and none of it asks WeChat for anything", async ({
    request,
    sandbox,
  }, testInfo) => {
    const headers = { "x-forwarded-for": `203.0.113.${testInfo.project.name === "desktop" ? 1 : 2}` };
    const before = await sandbox.preAuthCodesIssued();
    for (let i = 0; i < 30; i++) {
      const created = await request.get("/authorize?auth_type=1", { headers, maxRedirects: 0 });
      expect(created.status()).toBe(307);
      expect(created.headers().location).toMatch(/\/authorize\?attempt=/);
    }
    expect(await (await request.get("/authorize?auth_type=1", { headers })).text()).toContain("请求过于频繁");
    expect(await (await request.get("/m/authorize?auth_type=1", { headers: { ...headers, "user-agent": WECHAT_UA } })).text()).toContain(
      "请求过于频繁",
    );
    expect(await sandbox.preAuthCodesIssued()).toBe(before);
  });

  test("English, keyboard and narrow screens", async ({ page, browser }, testInfo) => {
    await page.goto("/authorize?auth_type=1&category_id_list=1|2");
    await page.getByLabel("语言").selectOption("en");
    await expect(page.getByRole("heading", { level: 1, name: "Authorize your WeChat account" })).toBeVisible();
    await expect(page.getByTestId("requested-sets")).toContainText("Message management");
    await expect(page.getByTestId("attempt-status")).toHaveText("Waiting for the administrator to scan and confirm…");
    await snap(page, testInfo, "pc-english");

    // Keyboard: language, WeChat's PC page, stop, the phone link, copy; each visibly focused.
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    const order = [
      "select",
      '[data-testid="open-pc"]',
      '[data-testid="cancel"]',
      '[data-testid="copy-value"]',
      '[data-testid="copy-link"]',
    ];
    await page.keyboard.press("Tab");
    for (const [index, selector] of order.entries()) {
      if (index > 0) await page.keyboard.press("Tab");
      await expect(page.locator(selector).first()).toBeFocused();
    }
    await expect(page.getByRole("timer")).toContainText("QR code valid for");

    const narrow = await browser.newContext({
      viewport: { width: 320, height: 700 },
      extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo) },
    });
    await narrow.addCookies([{ name: "portal_locale", value: "en", url: PORTAL }]);
    const small = await narrow.newPage();
    await small.goto("/authorize?auth_type=6");
    await expect(small.getByTestId("account-types")).toContainText("Channels account");
    await expectNoHorizontalScroll(small, 320);
    await snap(small, testInfo, "pc-320-english");
    await small.goto("/authorize/result?error=missing_code");
    await expectNoHorizontalScroll(small, 320);
    await narrow.close();
  });
});
