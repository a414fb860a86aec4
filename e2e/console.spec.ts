// The staff console's door: the seeded admin signs in, a wrong password is refused, English sticks,
// private API routes answer 401. These tests start signed out (not from the setup project's session).
import { E2E } from "./config";
import { expect, submitSignIn, test } from "./fixtures";

test.describe("staff console", () => {
  test("the console needs a session, and the seeded admin gets in", async ({ page }, testInfo) => {
    await page.goto("/console");
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fconsole/);
    await expect(page.getByRole("heading", { name: "员工登录" })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("signin.png"), fullPage: true });

    await submitSignIn(page);

    await expect(page).toHaveURL(/\/console$/);
    await expect(page.getByRole("heading", { name: "概览" })).toBeVisible();
    await expect(page.getByTestId("staff-identity")).toContainText(`${E2E.admin.email} · 管理员`);
    await page.screenshot({ path: testInfo.outputPath("console-overview.png"), fullPage: true });
  });

  test("a wrong password is refused with a clear message", async ({ page }) => {
    await page.goto("/signin");
    await submitSignIn(page, { email: E2E.admin.email, password: "not-the-password" });
    // Next.js keeps its own (empty) route announcer with role=alert; ours is the one with text.
    await expect(page.getByRole("alert").filter({ hasText: "邮箱或密码不正确。" })).toBeVisible();
    await expect(page).toHaveURL(/\/signin/);
  });

  test("English can be chosen and sticks", async ({ page }, testInfo) => {
    await page.goto("/signin");
    await page.getByLabel("语言").selectOption("en");
    await expect(page.getByRole("heading", { name: "Staff sign-in" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { name: "Staff sign-in" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await page.screenshot({ path: testInfo.outputPath("signin-en.png"), fullPage: true });
  });

  test("private API routes answer 401 JSON, never a redirect", async ({ request }) => {
    const response = await request.get("/api/console/anything", { maxRedirects: 0 });
    expect(response.status()).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthorized" });
  });
});
