// The WeChat sandbox's merchant pages in a real browser, without the portal: the PC page (QR + phone
// link + polling redirect), the H5 page at 320 px, unticking a permission set, cancel, and WeChat's
// refusals (foreign Referer, used pre_auth_code). redirect_uri points at the sandbox's own echo page.
import { type Page } from "@playwright/test";
import { E2E } from "./config";
import { expect, test, type SandboxControl } from "./fixtures";

const SANDBOX_URL = (process.env.SANDBOX_URL ?? E2E.sandboxUrl).replace(/\/$/, "");
// The sandbox runs with SANDBOX_AUTH_DOMAIN=localhost:<portal port>: links must come "from" the portal.
const PORTAL_REFERER = `http://localhost:${E2E.portalPort}/authorize`;
const COMPONENT_APPID = "wxe940405705046cf5";

test.use({ sandboxUrl: SANDBOX_URL });

async function createLink(
  sandbox: SandboxControl,
  args: { path: string; authType: string; attempt: string; extra?: Record<string, string> },
): Promise<string> {
  const url = new URL(args.path, SANDBOX_URL);
  url.searchParams.set("component_appid", COMPONENT_APPID);
  url.searchParams.set("pre_auth_code", await sandbox.preAuthCode());
  url.searchParams.set("redirect_uri", `${SANDBOX_URL}/sandbox/echo?attempt=${args.attempt}`);
  url.searchParams.set("auth_type", args.authType);
  for (const [name, value] of Object.entries(args.extra ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

async function echoedQuery(page: Page): Promise<Record<string, string>> {
  return JSON.parse((await page.getByTestId("echo-query").textContent()) ?? "{}") as Record<string, string>;
}

test.describe("WeChat sandbox merchant pages", () => {
  test("PC: QR and phone link; confirming on the phone sends the desktop to redirect_uri", async ({ page, browser, sandbox }, testInfo) => {
    const account = await sandbox.createAccount("official_account");
    const link = await createLink(sandbox, { path: "/cgi-bin/componentloginpage", authType: "1", attempt: "pc-1" });
    await page.goto(link, { referer: PORTAL_REFERER });
    await expect(page.getByRole("heading", { name: "公众平台账号授权" })).toBeVisible();
    await expect(page.getByTestId("qr").locator("svg")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("pc-qr.png"), fullPage: true });
    const phoneUrl = await page.getByTestId("phone-link").getAttribute("href");
    expect(phoneUrl).toMatch(/\/sandbox\/phone\/[0-9a-f-]{36}$/);

    // The admin's phone: a separate, narrow browser.
    const phoneContext = await browser.newContext({ viewport: { width: 320, height: 720 } });
    const phone = await phoneContext.newPage();
    await phone.goto(String(phoneUrl));
    await expect(page.getByTestId("status")).toHaveText("扫描成功，请在手机上进行授权");
    await phone.locator(`a[data-appid="${account.appid}"]`).click();
    await expect(phone.getByTestId("account-name")).toHaveText(account.nickName);
    const unticked = phone.locator('input[name="func"]').nth(1);
    const untickedId = Number(await unticked.getAttribute("value"));
    await unticked.uncheck();
    await phone.screenshot({ path: testInfo.outputPath("phone-permissions.png"), fullPage: true });
    await phone.getByTestId("confirm").click();
    await expect(phone.getByRole("heading", { name: "授权成功" })).toBeVisible();
    await phone.screenshot({ path: testInfo.outputPath("phone-success.png") });

    await expect(page).toHaveURL(/\/sandbox\/echo\?/, { timeout: 10_000 });
    const query = await echoedQuery(page);
    expect(query.attempt).toBe("pc-1");
    expect(query.auth_code).toMatch(/^queryauthcode@@@/);
    expect(Number(query.expires_in)).toBeGreaterThan(0);
    await page.screenshot({ path: testInfo.outputPath("pc-redirected.png"), fullPage: true });

    const granted = await sandbox.grantedSets(account.appid);
    expect(granted).not.toContain(untickedId);
    expect(granted.length).toBe(account.permissionSets.length - 1);
    await phoneContext.close();
  });

  test("H5 at 320 px: the phone goes straight to redirect_uri; the used link is then refused", async ({ browser, sandbox }, testInfo) => {
    const account = await sandbox.createAccount("mini_program");
    const link = await createLink(sandbox, {
      path: "/wxaopen/safe/bindcomponent",
      authType: "2",
      attempt: "h5-1",
      extra: { action: "bindcomponent", no_scan: "1" },
    });
    const context = await browser.newContext({ viewport: { width: 320, height: 720 } });
    const phone = await context.newPage();
    await phone.goto(`${link}#wechat_redirect`, { referer: PORTAL_REFERER });
    await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await phone.screenshot({ path: testInfo.outputPath("h5-accounts.png"), fullPage: true });

    await phone.locator(`a[data-appid="${account.appid}"]`).click();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await phone.getByTestId("confirm").click();
    await expect(phone).toHaveURL(/\/sandbox\/echo\?/);
    const query = await echoedQuery(phone);
    expect(query).toMatchObject({ attempt: "h5-1", auth_code: expect.stringMatching(/^queryauthcode@@@/) });
    expect(await sandbox.grantedSets(account.appid)).toEqual(account.permissionSets);

    await phone.goto(link, { referer: PORTAL_REFERER });
    await expect(phone.getByTestId("refusal-message")).toHaveText("预授权码已经被授权过，不能重复使用，请重新从源头页面进入授权页");
    await phone.screenshot({ path: testInfo.outputPath("h5-used-code.png"), fullPage: true });
    await context.close();
  });

  test("cancel on the phone shows on both screens and authorizes nothing", async ({ page, browser, sandbox }, testInfo) => {
    const countAuthorizations = async () => (await sandbox.authorizations()).length;
    const before = await countAuthorizations();
    const link = await createLink(sandbox, { path: "/cgi-bin/componentloginpage", authType: "6", attempt: "cancel-1" });
    await page.goto(link, { referer: PORTAL_REFERER });
    const phoneUrl = String(await page.getByTestId("phone-link").getAttribute("href"));
    const phoneContext = await browser.newContext({ viewport: { width: 360, height: 720 } });
    const phone = await phoneContext.newPage();
    await phone.goto(phoneUrl);
    await expect(phone.getByText("视频号", { exact: false }).first()).toBeVisible();
    await phone.getByRole("button", { name: "取消" }).click();
    await expect(phone.getByRole("heading", { name: "已取消授权" })).toBeVisible();
    await expect(page.getByTestId("status")).toHaveText("已取消授权", { timeout: 5000 });
    await page.screenshot({ path: testInfo.outputPath("pc-cancelled.png"), fullPage: true });
    expect(await countAuthorizations()).toBe(before);
    await phoneContext.close();
  });

  test("refuses a page opened from another domain, or typed in, with WeChat's wording", async ({ page, sandbox }, testInfo) => {
    const link = await createLink(sandbox, { path: "/cgi-bin/componentloginpage", authType: "3", attempt: "referer-1" });
    await page.goto(link, { referer: "http://evil.example.com/landing" });
    await expect(page.getByTestId("refusal-message")).toHaveText(
      "请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。授权入口页所在域名：evil.example.com",
    );
    await page.screenshot({ path: testInfo.outputPath("foreign-referer.png"), fullPage: true });
    await page.goto(link);
    await expect(page.getByTestId("refusal-message")).toContainText("授权入口页所在域名：空");
  });
});
