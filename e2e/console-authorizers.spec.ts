// The staff console in a real browser against the WeChat sandbox: a link made in the console and
// confirmed on the sandbox's phone page, a second account authorized from the sandbox's control API,
// both listed with their names, types and permission sets by name; filters and search; refresh a
// token; a revocation in the sandbox shows in the list within seconds; health and API keys; and a
// mutation refused on the server once the staff member is a viewer.
// It starts from the admin session the setup project saved; the member it creates signs in themselves.
import { type Browser, type Page } from "@playwright/test";
import { E2E } from "./config";
import { expect, signIn, STAFF_STATE, test, type SandboxAccount, type Staff } from "./fixtures";

/** A member's own browser (not the admin's saved session), signed in on /console. */
async function newSignedInPage(browser: Browser, who: Staff) {
  const context = await browser.newContext({ storageState: undefined });
  const page = await context.newPage();
  await signInToConsole(page, who);
  return page;
}

async function signInToConsole(page: Page, who: Staff) {
  await signIn(page, { who });
  await expect(page).toHaveURL(/\/console$/);
}

/** Phones must not scroll sideways: wide tables scroll inside their own box. */
async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const offenders = [...document.querySelectorAll("body *")]
      .filter((el) => {
        if (el.getBoundingClientRect().right <= width + 1) return false;
        // Inside a box that scrolls (or clips) on its own: not the page's problem.
        for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
          if (getComputedStyle(parent).overflowX !== "visible") return false;
        }
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
    return { scroll: document.documentElement.scrollWidth - width, offenders };
  });
  expect(overflow).toEqual({ scroll: 0, offenders: [] });
}

const rowOf = (page: Page, appid: string) => page.locator(`tr[data-testid="authorizer-row"][data-appid="${appid}"]`);

test.describe.configure({ mode: "serial" });
test.use({ storageState: STAFF_STATE });

test.describe("console: authorized accounts", () => {
  // Its own pair for the whole describe (the tests build on each other).
  let official: SandboxAccount;
  let mini: SandboxAccount;

  test.beforeAll(async ({ sandbox }) => {
    official = await sandbox.createAccount("official_account");
    mini = await sandbox.createAccount("mini_program");
  });

  test("accounts authorized through the sandbox appear with names, types and permission sets; filters and search work", async ({
    page,
    sandbox,
  }, testInfo) => {
    await page.goto("/console");

    // 1. A link made in the console, narrowed to three permission sets, confirmed on the phone page.
    await page.getByRole("link", { name: "授权链接" }).first().click();
    await expect(page.getByRole("heading", { name: "生成授权链接" })).toBeVisible();
    await page.getByLabel("授权账号类型（auth_type）").selectOption("1");
    await page.locator("summary", { hasText: "公众号权限集" }).click();
    for (const id of [1, 2, 15]) await page.locator(`input[data-set-id="${id}"]`).check();
    await page.getByTestId("create-link").click();
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    const attemptUrl = page.url();
    await expect(page.getByTestId("attempt-status")).toHaveText("等待授权");
    await expect(page.getByTestId("qr").locator("svg")).toBeVisible();
    await expect(page.getByTestId("merchant-phone-page")).toHaveValue(/\/m\/authorize\?attempt=/);
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("link-created.png"), fullPage: true });

    // The admin's phone opens WeChat's H5 page from the portal (the 授权发起页域名), picks the account, confirms.
    await page.getByTestId("wechat-h5-link").click();
    await expect(page.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
    await page.locator(`a[data-appid="${official.appid}"]`).click();
    await expect(page.locator('input[name="func"]')).toHaveCount(3);
    await page.getByTestId("confirm").click();
    await page.waitForURL((url) => url.origin === E2E.portalUrl && !url.pathname.startsWith("/api/"), { timeout: 15_000 });

    await page.goto(attemptUrl);
    await expect(page.getByTestId("attempt-status")).toHaveText("已完成", { timeout: 15_000 });
    await expect(page.getByTestId("attempt-authorizer")).toHaveText(official.nickName);

    // 2. A mini program authorized from the sandbox's control API (the push tells the portal).
    await sandbox.authorize(mini.appid, [17, 18]);

    await page.getByRole("link", { name: "已授权账号" }).first().click();
    await expect(page.getByRole("heading", { name: "已授权账号" })).toBeVisible();
    const officialRow = rowOf(page, official.appid);
    const miniRow = rowOf(page, mini.appid);
    await expect(miniRow).toBeVisible({ timeout: 15_000 });
    await expect(officialRow.getByTestId("authorizer-name")).toHaveText(official.nickName);
    await expect(officialRow.getByTestId("authorizer-kind")).toHaveText(official.serviceTypeId === 2 ? "服务号" : "订阅号");
    await expect(officialRow.getByTestId("authorizer-status")).toHaveText("已授权");
    await expect(officialRow.getByTestId("permission-set")).toHaveText(["消息管理", "用户管理", "菜单管理"]);
    await expect(miniRow.getByTestId("authorizer-name")).toHaveText(mini.nickName);
    await expect(miniRow.getByTestId("authorizer-kind")).toHaveText("小程序");
    await expect(miniRow.getByTestId("permission-set")).toHaveText(["获取小程序码", "小程序开发与数据分析"]);
    await expect(miniRow.getByTestId("token-health")).toHaveAttribute("data-state", "ok");
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("authorizers-list.png"), fullPage: true });

    // Filter by type.
    const filters = page.getByRole("search");
    await filters.getByLabel("类型").selectOption("mini_program");
    await filters.getByRole("button", { name: "筛选" }).click();
    await expect(page).toHaveURL(/kind=mini_program/);
    await expect(miniRow).toBeVisible();
    await expect(officialRow).toHaveCount(0);

    // Filter by permission set, by name in the picker.
    await page.goto("/console/authorizers");
    await filters.getByLabel("权限集").selectOption({ label: "菜单管理 (15)" });
    await filters.getByRole("button", { name: "筛选" }).click();
    await expect(officialRow).toBeVisible();
    await expect(miniRow).toHaveCount(0);

    // Search by name, then by appid.
    await page.goto("/console/authorizers");
    await filters.getByLabel("搜索").fill(official.nickName);
    await filters.getByRole("button", { name: "筛选" }).click();
    await expect(officialRow).toBeVisible();
    await expect(miniRow).toHaveCount(0);
    await filters.getByLabel("搜索").fill(mini.appid);
    await filters.getByRole("button", { name: "筛选" }).click();
    await expect(page.getByTestId("authorizer-row")).toHaveCount(1);
    await expect(miniRow).toBeVisible();
    await expect(page.getByTestId("authorizer-total")).toHaveText("共 1 个账号");
    await page.screenshot({ path: testInfo.outputPath("authorizers-search.png"), fullPage: true });
  });

  test("an account's page: refresh its token now, permission sets with names, credential history", async ({ page }, testInfo) => {
    await page.goto(`/console/authorizers?q=${official.appid}`);
    await rowOf(page, official.appid).getByTestId("authorizer-name").click();
    await expect(page.getByTestId("detail-name")).toHaveText(official.nickName);
    await expect(page.getByTestId("revoke-notice")).toContainText("取消授权只能由商户");
    await expect(page.getByTestId("detail-permission-sets").getByTestId("permission-set")).toHaveText(["消息管理", "用户管理", "菜单管理"]);
    const before = await page.getByTestId("token-last-refreshed").textContent();

    await page.getByTestId("refresh-token").click();
    await expect(page.getByTestId("action-success")).toContainText("令牌已刷新");
    await expect(page.getByTestId("credential-history")).toContainText("员工手动刷新令牌");
    await expect(page.getByTestId("token-last-refreshed")).not.toHaveText(before ?? "");
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("authorizer-refreshed.png"), fullPage: true });
  });

  test("revoking in the sandbox shows as revoked in the list within seconds", async ({ page, sandbox }, testInfo) => {
    await page.goto("/console/authorizers");
    const row = rowOf(page, mini.appid);
    await expect(row.getByTestId("authorizer-status")).toHaveText("已授权");

    await sandbox.revoke(mini.appid);
    // No reload: the page re-renders itself every few seconds.
    await expect(row.getByTestId("authorizer-status")).toHaveText("已取消授权", { timeout: 10_000 });
    await expect(row.getByTestId("token-health")).toHaveAttribute("data-state", "disabled");
    await page.screenshot({ path: testInfo.outputPath("authorizers-revoked.png"), fullPage: true });

    await page.goto(`/console/authorizers?status=revoked`);
    await expect(rowOf(page, mini.appid)).toBeVisible();
    await expect(rowOf(page, official.appid)).toHaveCount(0);
    await rowOf(page, mini.appid).getByTestId("authorizer-name").click();
    await expect(page.getByTestId("timeline")).toContainText("unauthorized");
    await expect(page.getByTestId("timeline")).toContainText("账号取消授权");
    await expect(page.getByTestId("refresh-token")).toHaveCount(0);
  });

  test("health shows the ticket, the token and charts; an API key is shown once", async ({ page }, testInfo) => {
    await page.goto("/console");
    await page.getByRole("link", { name: "健康状况" }).first().click();
    await expect(page.getByRole("heading", { name: "健康状况", level: 1 })).toBeVisible();
    await expect(page.getByTestId("health-status")).toBeVisible();
    await expect(page.getByTestId("chart-pushes").locator("svg rect").first()).toBeVisible();
    await expect(page.getByTestId("recent-pushes")).toContainText("unauthorized");
    // This instance's counters, the ones /api/metrics exports: the pushes it took, the calls it made.
    const counters = page.getByTestId("instance-counters");
    await expect(counters.getByTestId("instance-receipts")).toContainText("授权事件接收 URL");
    await expect(counters.getByTestId("instance-receipts")).toContainText("已接收");
    await expect(counters.getByTestId("instance-calls")).toContainText("/cgi-bin/component/api_component_token");
    await expect(counters.getByTestId("chart-refreshes").locator("svg rect").first()).toBeVisible();
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("health.png"), fullPage: true });

    await page.getByRole("link", { name: "API 密钥" }).first().click();
    const name = `billing-${testInfo.project.name}`;
    await page.getByLabel("用途（服务名称）").fill(name);
    await page.getByTestId("create-api-key").click();
    const key = page.getByTestId("new-api-key-value");
    await expect(key).toHaveValue(/^cpk_[A-Za-z0-9_-]{43}$/);
    const prefix = (await key.inputValue()).slice(0, 12);
    const row = page.locator(`tr[data-testid="api-key-row"][data-prefix="${prefix}"]`);
    await expect(row).toContainText(name);
    await expect(row).toContainText("从未使用");
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("api-key-created.png"), fullPage: true });
    await page.reload();
    await expect(page.getByTestId("new-api-key")).toHaveCount(0);
    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "吊销" }).click();
    await expect(row).toContainText("已吊销");
  });

  test("a viewer's mutation is refused by the server; the role change ends the member's session", async ({ page, browser }, testInfo) => {
    const member = { email: `operator-${testInfo.project.name}-${Date.now()}@e2e.test`, password: "operator-password-2026" };
    await page.goto("/console");
    await page.getByRole("link", { name: "员工" }).first().click();
    await page.getByLabel("邮箱").fill(member.email);
    await page.getByRole("combobox", { name: /^角色/ }).selectOption("operator");
    await page.getByLabel("初始密码（至少 12 位）").fill(member.password);
    await page.getByTestId("create-staff").click();
    const memberRow = page.locator(`tr[data-testid="staff-row"][data-email="${member.email}"]`);
    await expect(memberRow.getByTestId("staff-role")).toHaveText("运营");

    // The operator opens an account: the buttons are there.
    const operator = await newSignedInPage(browser, member);
    await operator.goto(`/console/authorizers/${official.appid}`);
    await expect(operator.getByTestId("refresh-token")).toBeVisible();

    // Meanwhile an admin makes them a viewer. The page they have open still shows the button...
    await memberRow.getByLabel(`${member.email} 的角色`).selectOption("viewer");
    await memberRow.getByRole("button", { name: "保存角色" }).click();
    await expect(memberRow.getByTestId("staff-role")).toHaveText("只读");

    // ...but the server refuses the action: the role change ended the session it was opened in.
    await operator.getByTestId("refresh-token").click();
    await expect(operator.getByTestId("action-error")).toHaveText("您没有权限执行此操作（需要运营角色）。");
    await operator.screenshot({ path: testInfo.outputPath("viewer-refused.png"), fullPage: true });
    await operator.reload();
    await expect(operator).toHaveURL(/\/signin/);
    // Signed in again, they work as a viewer.
    await signInToConsole(operator, member);
    await operator.goto(`/console/authorizers/${official.appid}`);
    await expect(operator.getByTestId("refresh-token")).toHaveCount(0);
    await expect(operator.getByTestId("read-only-note")).toBeVisible();
    await operator.goto("/console/api-keys");
    await expect(operator.getByTestId("create-api-key")).toHaveCount(0);
    await operator.context().close();

    // The refusal and the role change are in the audit log.
    await page.goto("/console/audit?action=console.action_refused");
    await expect(page.getByTestId("audit-row").first()).toContainText("authorizer.refresh_token");
    await page.goto("/console/audit?action=staff.role_changed");
    await expect(page.getByTestId("audit-row").first()).toContainText(member.email);
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: testInfo.outputPath("audit-refused.png"), fullPage: true });
  });
});
