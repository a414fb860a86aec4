// Issue 13, the staff console (points 6–11): values named in the UI's language with the code as a detail,
// the permission-set filter grouped with its shared names told apart, missing sets flagged in the list,
// the English accounts table and card titles at 1366 px, sync in the sidebar, a staff member's own
// password change, the favicon, and an overview that says what needs someone. It starts from the admin
// session the setup project saved; the member whose password changes signs in themselves. Screenshots
// of the accounts list in both languages at 1366 px and 390 px: artifacts/screenshots/console/<project>/.
import { mkdirSync } from "node:fs";
import type { Browser, Page, TestInfo } from "@playwright/test";
import { E2E } from "./config";
import { clientAddress, expect, signIn, STAFF_STATE, test, type SandboxAccount } from "./fixtures";

const LOCALES = ["zh-CN", "en"] as const;
type Locale = (typeof LOCALES)[number];

const setLocale = (page: Page, locale: Locale) => page.context().addCookies([{ name: "portal_locale", value: locale, url: E2E.portalUrl }]);

const rowOf = (page: Page, appid: string) => page.locator(`tr[data-testid="authorizer-row"][data-appid="${appid}"]`);

async function sandboxPost(path: string, body: unknown) {
  const response = await fetch(`${E2E.sandboxUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.ok, `POST ${path} answered ${response.status}`).toBe(true);
}

/** A full-page screenshot under artifacts/screenshots/console/<project>/, attached to the report too. */
async function snapConsole(page: Page, testInfo: TestInfo, name: string) {
  const dir = `artifacts/screenshots/console/${testInfo.project.name}`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** Text of the elements `selector` finds whose lines break between two letters or digits of one word. */
async function wordsBrokenIn(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((elements) =>
    elements.flatMap((element) => {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      const broken: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? "";
        const range = document.createRange();
        let previousTop: number | null = null;
        for (let i = 0; i < text.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const rect = range.getBoundingClientRect();
          if (rect.width === 0) continue;
          if (previousTop !== null && rect.top > previousTop + 2 && /[\w]/.test(text[i - 1] ?? "") && /[\w]/.test(text[i] ?? "")) {
            broken.push(`${text.slice(0, i)}|${text.slice(i)}`);
          }
          previousTop = rect.top;
        }
      }
      return broken;
    }),
  );
}

test.describe.configure({ mode: "serial" });
test.use({ storageState: STAFF_STATE });

test.describe("console experience (issue 13, 6–11)", () => {
  let official: SandboxAccount;
  let mini: SandboxAccount;

  test.beforeAll(async ({ sandbox }) => {
    official = await sandbox.createAccount("official_account");
    mini = await sandbox.createAccount("mini_program");
    await sandbox.authorize(official.appid, [1, 2, 15]);
    await sandbox.authorize(mini.appid, [17, 18]);
  });

  test("6: values are named in the UI's language, the code as a detail", async ({ page }) => {
    await setLocale(page, "zh-CN");
    await page.goto(`/console/authorizers?q=${official.appid}`);
    await expect(rowOf(page, official.appid)).toBeVisible({ timeout: 15_000 });

    // A link for three mini-program sets: the list names them, no "17|18|19".
    await page.goto("/console/links");
    await page.getByLabel("授权账号类型（auth_type）").selectOption("2");
    await page.locator("summary", { hasText: "小程序权限集" }).click();
    for (const id of [17, 18, 19]) await page.locator(`input[data-set-id="${id}"]`).check();
    await page.getByTestId("create-link").click();
    await expect(page).toHaveURL(/\/console\/links\/[A-Za-z0-9_-]+$/);
    const attemptId = new URL(page.url()).pathname.split("/").at(-1) ?? "";
    await expect(page.getByTestId("attempt-sets")).toContainText("获取小程序码");
    await page.goto("/console/links");
    const attemptRow = page.locator(`tr[data-testid="attempt-row"][data-attempt="${attemptId}"]`);
    await expect(attemptRow).toContainText("获取小程序码 (17)");
    await expect(attemptRow).toContainText("小程序开发与数据分析 (18)");
    await expect(attemptRow).not.toContainText("17|18|19");
    await expect(attemptRow).toContainText("小程序 (2)");

    // The account's type and verification in words, WeChat's numbers beside them.
    await page.goto(`/console/authorizers/${official.appid}`);
    const kind = official.serviceTypeId === 2 ? "服务号" : "订阅号";
    await expect(page.getByTestId("detail-service-type")).toHaveText(`${kind} (service_type_info ${official.serviceTypeId})`);
    await expect(page.getByTestId("detail-verify-type")).toContainText(/verify_type_info -?\d/);
    await expect(page.getByTestId("detail-verify-type")).not.toHaveText(/^\s*\(?verify_type_info/);

    // An option WeChat will not read (customer service needs set 6, which the account lacks): what 61007 means, the code beside it.
    const options = page.getByTestId("authorizer-options");
    await options.getByRole("button").first().click();
    await expect(options.getByTestId("option-unavailable")).toHaveText(
      "无法读取：该接口未授权给第三方平台：账号未授予所需权限集。请商家重新授权并勾选该权限集，同时检查平台的权限集配置。（错误码 61007）",
    );

    // An update's details: the sets added and removed by name, not a JSON list of ids.
    await sandboxPost("/sandbox/api/set-permission-sets", { appid: official.appid, ids: [1, 2, 11] });
    const updated = page.getByTestId("timeline").locator("li", { has: page.locator('[data-action="authorizer.authorization_updated"]') });
    // The account's page does not refresh itself: read it again until the push has been processed.
    await expect(async () => {
      await page.reload();
      await expect(updated).toHaveCount(1, { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await updated.locator("summary").click();
    await expect(updated.locator('dd[data-key="added"]')).toHaveText("素材管理 (11)");
    await expect(updated.locator('dd[data-key="removed"]')).toHaveText("菜单管理 (15)");
    await expect(updated.getByTestId("audit-details")).not.toContainText("[");

    // The overview's activity: every action by name (the code beside it for searching).
    await page.goto("/console");
    const actions = page.getByTestId("recent-activity").locator("[data-action]");
    await expect(actions.first()).toBeVisible();
    for (const action of await actions.all()) {
      const code = (await action.getAttribute("data-action")) ?? "";
      await expect(action.locator("code")).toHaveText(code);
      expect((await action.innerText()).replace(code, "").trim(), `${code} has a name`).not.toBe("");
    }
  });

  test("7: the permission-set filter is grouped by account type and no two choices read alike", async ({ page }) => {
    await setLocale(page, "zh-CN");
    await page.goto("/console/authorizers");
    const select = page.getByRole("search").getByLabel("权限集");
    await expect(select.locator("optgroup")).toHaveCount(2);
    expect(await select.locator("optgroup").evaluateAll((groups) => groups.map((g) => g.getAttribute("label")))).toEqual([
      "公众号权限集",
      "小程序权限集",
    ]);
    const labels = await select.locator("option").allTextContents();
    expect(new Set(labels).size, "every choice reads differently").toBe(labels.length);
    expect(labels).toContain("开放平台账号管理 · 公众号 (24)");
    expect(labels).toContain("开放平台账号管理 · 小程序 (25)");
    expect(labels).toContain("微信服务市场管理 · 公众号 (66)");
    expect(labels).toContain("微信服务市场管理 · 小程序 (67)");

    await select.selectOption({ label: "素材管理 (11)" });
    await page.getByRole("search").getByRole("button", { name: "筛选" }).click();
    await expect(page).toHaveURL(/set=11/);
    await expect(rowOf(page, official.appid)).toBeVisible();
    await expect(rowOf(page, mini.appid)).toHaveCount(0);
  });

  test("8: the list flags accounts that lack published sets, as their page counts them", async ({ page }) => {
    await setLocale(page, "zh-CN");
    await page.goto(`/console/authorizers?q=${mini.appid}`);
    const flag = rowOf(page, mini.appid).getByTestId("missing-sets");
    await expect(flag).toBeVisible();
    const count = Number(await flag.getAttribute("data-count"));
    expect(count).toBeGreaterThan(0);
    await expect(flag).toHaveText(`缺少 ${count} 个权限集`);
    await flag.click();
    await expect(page).toHaveURL(new RegExp(`/console/authorizers/${mini.appid}#reauthorization$`));
    // The account's page marks the same sets missing in its re-authorization form.
    await expect(page.locator("#reauthorization .set-option.missing")).toHaveCount(count);
  });

  test("9: the English table fits 1366 px, card titles break between words, apostrophes have no gap; list screenshots", async ({
    page,
  }, testInfo) => {
    // The desktop project at 1366 × 768 (the laptop), the phone project at 390 px.
    const [width, height] = testInfo.project.name === "desktop" ? [1366, 768] : [390, 844];
    await page.setViewportSize({ width, height });
    {
      for (const locale of LOCALES) {
        await setLocale(page, locale);
        await page.goto("/console/authorizers");
        await expect(rowOf(page, mini.appid)).toBeVisible();
        if (width === 1366) {
          const fit = await page.getByTestId("authorizers-table").evaluate((table) => ({
            table: table.scrollWidth,
            box: (table.parentElement as HTMLElement).clientWidth,
          }));
          expect(fit.table, `${locale}: the accounts table fits its box`).toBeLessThanOrEqual(fit.box);
        }
        await snapConsole(page, testInfo, `authorizers-${locale}-${width}`);

        await page.goto("/console/health");
        expect(await wordsBrokenIn(page, "main .card h2"), `${locale} at ${width}: card titles`).toEqual([]);
        await page.goto("/console");
        expect(await wordsBrokenIn(page, "main .card h2"), `${locale} at ${width}: overview titles`).toEqual([]);
      }
    }

    // ’ in English is drawn by a Latin font: narrow, not a full-width CJK glyph.
    await setLocale(page, "en");
    await page.goto(`/console/authorizers/${official.appid}`);
    const notice = page.getByTestId("revoke-notice");
    await expect(notice).toContainText("WeChat’s");
    const ratio = await notice.evaluate((element) => {
      const node = [...element.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? "").includes("’"))!;
      const range = document.createRange();
      const at = (node.textContent ?? "").indexOf("’");
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      return range.getBoundingClientRect().width / parseFloat(getComputedStyle(element).fontSize);
    });
    expect(ratio).toBeLessThan(0.45);
  });

  test("10: sync is in the sidebar, the favicon is served", async ({ page, request }) => {
    await setLocale(page, "zh-CN");
    await page.goto("/console");
    const sidebar = page.locator(".console > nav");
    await sidebar.getByRole("link", { name: "从微信同步" }).click();
    await expect(page).toHaveURL(/\/console\/authorizers\/sync$/);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(sidebar.getByRole("link", { name: "从微信同步" })).toHaveAttribute("aria-current", "page");
    await expect(sidebar.locator('[aria-current="page"]')).toHaveCount(1);

    const icon = await request.get("/favicon.ico");
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);
    expect((await icon.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });

  test("10: staff change their own password; their other sessions end, this one stays; audited", async ({ page, browser }, testInfo) => {
    const member = { email: `self-${testInfo.project.name}-${Date.now()}@e2e.test`, password: "first-password-2026" };
    const next = "second-password-2026";
    await setLocale(page, "zh-CN");
    await page.goto("/console/users");
    await page.getByLabel("邮箱").fill(member.email);
    await page.getByLabel("初始密码（至少 12 位）").fill(member.password);
    await page.getByTestId("create-staff").click();
    await expect(page.locator(`tr[data-testid="staff-row"][data-email="${member.email}"]`)).toBeVisible();

    const signedIn = async (b: Browser, n: number, who = member) => {
      const context = await b.newContext({ storageState: undefined, extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo, n) } });
      const p = await context.newPage();
      await signIn(p, { who });
      return p;
    };
    const here = await signedIn(browser, 1);
    await expect(here).toHaveURL(/\/console$/);
    const elsewhere = await signedIn(browser, 2);
    await expect(elsewhere).toHaveURL(/\/console$/);

    await here.getByTestId("change-password-link").click();
    await expect(here).toHaveURL(/\/console\/password$/);
    // Checked in the browser first: too short, and the two new ones differing.
    await here.getByLabel("当前密码").fill(member.password);
    await here.getByLabel("新密码", { exact: true }).fill("short");
    await here.getByLabel("再次输入新密码").fill("shorter");
    await here.getByTestId("change-password").click();
    await expect(here.getByTestId("newPassword-error")).toHaveText("至少 12 位。");
    await expect(here.getByTestId("confirmPassword-error")).toHaveText("两次输入的新密码不一致。");
    // A wrong current password is refused by the server.
    await here.getByLabel("当前密码").fill("not-my-password-2026");
    await here.getByLabel("新密码", { exact: true }).fill(next);
    await here.getByLabel("再次输入新密码").fill(next);
    await here.getByTestId("change-password").click();
    await expect(here.getByTestId("currentPassword-error")).toHaveText("这不是你当前的密码。");
    // The right one: changed, the other session ended.
    await here.getByLabel("当前密码").fill(member.password);
    await here.getByTestId("change-password").click();
    await expect(here.getByTestId("action-success")).toHaveText("密码已修改，已退出其他 1 个会话。");

    await here.goto("/console");
    await expect(here.getByTestId("staff-identity")).toContainText(member.email);
    await elsewhere.goto("/console");
    await expect(elsewhere).toHaveURL(/\/signin/);
    await here.context().close();
    await elsewhere.context().close();

    const again = await signedIn(browser, 3, { ...member, password: next });
    await expect(again).toHaveURL(/\/console$/);
    await again.context().close();

    await page.goto(`/console/audit?action=staff.password_change&target=${encodeURIComponent(member.email)}`);
    await expect(page.locator('tr[data-action="staff.password_changed"]')).toHaveCount(1);
    await expect(page.locator('tr[data-action="staff.password_change_refused"]')).toHaveCount(1);
    await expect(page.locator('tr[data-action="staff.password_changed"]').locator('dd[data-key="endedSessions"]')).toHaveText("1");
  });

  test("11: the overview says what needs someone, each linked to where it is dealt with", async ({ page, sandbox }, testInfo) => {
    await setLocale(page, "zh-CN");
    // A token refresh WeChat refuses (system busy, every try of this one refresh).
    await sandboxPost("/sandbox/api/faults", { kind: "errcode-1", endpoint: "api_authorizer_token", count: 5 });
    await page.goto(`/console/authorizers/${mini.appid}`);
    await page.getByTestId("refresh-token").click();
    await expect(page.getByTestId("action-error")).toBeVisible();
    await fetch(`${sandbox.url}/sandbox/api/faults`, { method: "DELETE" });

    // An endpoint nobody answers at: its test delivery fails, and it is failing from then on.
    await page.goto("/console/webhooks");
    const url = `http://127.0.0.1:9/${testInfo.project.name}-${Date.now()}`;
    await page.getByLabel("地址（URL）").fill(url);
    await page.getByTestId("create-endpoint").click();
    await expect(page.getByTestId("webhook-secret-value")).toHaveValue(/^whsec_/);
    await page.locator('tr[data-testid="endpoint-row"]').filter({ hasText: url }).getByTestId("endpoint-url").click();
    await expect(page).toHaveURL(/\/console\/webhooks\/[0-9a-f-]{36}$/);
    const endpointPage = page.url();
    await page.getByTestId("send-test").click();
    await expect(page.getByTestId("test-outcome")).toHaveAttribute("data-ok", "false");

    await page.goto("/console");
    const attention = page.getByTestId("attention");
    await expect(attention.getByRole("heading", { level: 2 })).toHaveText(/^有 \d+ 项需要处理$/);
    await expect(page.getByTestId("all-healthy")).toHaveCount(0);
    const failing = attention.locator('[data-testid="attention-item"][data-kind="failing_refreshes"]');
    await expect(failing).toContainText("个账号的令牌刷新失败");
    await expect(failing.getByRole("link", { name: mini.nickName })).toHaveAttribute("href", `/console/authorizers/${mini.appid}`);
    await expect(failing.getByTestId("attention-link")).toHaveAttribute("href", "/console/health");
    const endpoints = attention.locator('[data-testid="attention-item"][data-kind="failing_endpoints"]');
    await expect(endpoints).toContainText("个网络钩子端点投递失败中");
    await expect(attention.locator('[data-testid="attention-item"][data-kind="failed_deliveries"]')).toContainText("过去 24 小时");
    await snapConsole(page, testInfo, "overview-attention-zh-CN");
    await endpoints.getByTestId("attention-link").click();
    await expect(page).toHaveURL(/\/console\/webhooks$/);

    // Dealt with: the token refreshes again, the endpoint is gone; the account leaves the list.
    await page.goto(`/console/authorizers/${mini.appid}`);
    await page.getByTestId("refresh-token").click();
    await expect(page.getByTestId("action-success")).toBeVisible();
    await page.goto(endpointPage);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("delete-endpoint").click();
    await expect(page).toHaveURL(/\/console\/webhooks$/);
    await page.goto("/console");
    await expect(page.getByTestId("attention").getByRole("link", { name: mini.nickName })).toHaveCount(0);
  });
});
