// Issue 13, point 12 (the console's part): every console page passes the accessibility check (axe:
// no serious or critical violation, e2e/accessibility.ts) in both languages, on the desktop and the
// phone project; and the console's forms work from the keyboard alone (the list's filter form, the
// link form, the password form). One account, one link and one endpoint of this test's own give the
// detail pages something to show. Summaries: artifacts/accessibility/<project>/console-*.json.
import type { Page } from "@playwright/test";
import { expectAccessible } from "./accessibility";
import { E2E } from "./config";
import { expect, STAFF_STATE, test } from "./fixtures";

const LOCALES = ["zh-CN", "en"] as const;
type Locale = (typeof LOCALES)[number];

const setLocale = (page: Page, locale: Locale) => page.context().addCookies([{ name: "portal_locale", value: locale, url: E2E.portalUrl }]);

const rowOf = (page: Page, appid: string) => page.locator(`tr[data-testid="authorizer-row"][data-appid="${appid}"]`);

test.use({ storageState: STAFF_STATE });

test.describe("console: accessibility", () => {
  test("every console page passes axe in Chinese and English", async ({ page, sandbox }, testInfo) => {
    test.setTimeout(240_000);
    await setLocale(page, "zh-CN");
    const account = await sandbox.createAccount("mini_program");
    await sandbox.authorize(account.appid, [17, 18]);
    await page.goto(`/console/authorizers?q=${account.appid}`);
    await expect(rowOf(page, account.appid)).toBeVisible({ timeout: 15_000 });

    // A link and an endpoint of this test's own, for their detail pages.
    await page.goto("/console/links");
    await page.getByTestId("create-link").click();
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    const linkPath = new URL(page.url()).pathname;
    await page.goto("/console/webhooks");
    const hookUrl = `${E2E.receiverOrigin}/a11y/${testInfo.project.name}-${Date.now()}`;
    await page.getByLabel("地址（URL）").fill(hookUrl);
    await page.getByTestId("create-endpoint").click();
    await expect(page.getByTestId("webhook-secret-value")).toHaveValue(/^whsec_/);
    const endpointRow = page.locator('tr[data-testid="endpoint-row"]').filter({ hasText: hookUrl });
    const endpointId = await endpointRow.getAttribute("data-endpoint");
    expect(endpointId).toBeTruthy();

    const pages: [name: string, path: string][] = [
      ["overview", "/console"],
      ["authorizers", "/console/authorizers"],
      ["authorizer", `/console/authorizers/${account.appid}`],
      ["links", "/console/links"],
      ["link", linkPath],
      ["sync", "/console/authorizers/sync"],
      ["health", "/console/health"],
      ["webhooks", "/console/webhooks"],
      ["webhook", `/console/webhooks/${endpointId}`],
      ["api-keys", "/console/api-keys"],
      ["users", "/console/users"],
      ["audit", "/console/audit"],
      ["password", "/console/password"],
    ];
    for (const locale of LOCALES) {
      await setLocale(page, locale);
      for (const [name, path] of pages) {
        await page.goto(path);
        await expect(page.locator("html")).toHaveAttribute("lang", locale);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        await expectAccessible(page, testInfo, `console-${name}-${locale}`);
      }
    }
  });

  test("the filter form, the link form and the password form work from the keyboard alone", async ({ page, sandbox }) => {
    await setLocale(page, "zh-CN");
    const account = await sandbox.createAccount("mini_program");
    await sandbox.authorize(account.appid, [17]);

    // The filter form: type into the search, move through the fields with Tab, submit with Enter.
    await page.goto("/console/authorizers");
    await expect(rowOf(page, account.appid)).toBeVisible({ timeout: 15_000 });
    const filters = page.getByRole("search");
    await filters.getByLabel("搜索").focus();
    await page.keyboard.type(account.appid);
    await page.keyboard.press("Tab");
    await expect(filters.getByLabel("商户标识（merchant_ref）")).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(filters.getByLabel("类型", { exact: true })).toBeFocused();
    // A closed select takes the arrow keys: 任意 → 订阅号 → 服务号 → 小程序.
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    await expect(filters.getByLabel("类型", { exact: true })).toHaveValue("mini_program");
    // On through the other choices to the button (a select does not submit on Enter), which does.
    for (const name of ["状态", "权限集", "排序", "每页"]) {
      await page.keyboard.press("Tab");
      await expect(filters.getByLabel(name, { exact: true })).toBeFocused();
    }
    await page.keyboard.press("Tab");
    await expect(filters.getByRole("button", { name: "筛选" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/kind=mini_program/);
    await expect(page).toHaveURL(new RegExp(`q=${account.appid}`));
    await expect(page.getByTestId("authorizer-row")).toHaveCount(1);

    // The link form: the type by arrow keys, a group of sets opened with Enter, a set ticked with Space.
    await page.goto("/console/links");
    await page.getByLabel("授权账号类型（auth_type）").focus();
    await page.keyboard.press("Home");
    await expect(page.getByLabel("授权账号类型（auth_type）")).toHaveValue("1");
    const group = page.locator("summary", { hasText: "公众号权限集" });
    await group.focus();
    await page.keyboard.press("Enter");
    const firstSet = page.locator('input[data-set-id="1"]');
    await expect(firstSet).toBeVisible();
    await firstSet.focus();
    await page.keyboard.press("Space");
    await expect(firstSet).toBeChecked();
    await page.getByTestId("create-link").focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    await expect(page.getByTestId("attempt-sets")).toContainText("消息管理");

    // The password form: a mismatch is said next to the field, without leaving the keyboard.
    await page.goto("/console/password");
    await page.getByLabel("当前密码").focus();
    await page.keyboard.type("whatever-it-is");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("新密码", { exact: true })).toBeFocused();
    await page.keyboard.type("a-new-password-1234");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("再次输入新密码")).toBeFocused();
    await page.keyboard.type("a-different-one-1234");
    await page.keyboard.press("Enter");
    await expect(page.getByText("两次输入的新密码不一致")).toBeVisible();
    await expect(page.getByLabel("再次输入新密码")).toBeFocused();
  });
});
