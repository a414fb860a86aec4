// Web security against the running portal in real Chromium: every page's Content-Security-Policy
// (a fresh nonce on each of Next.js's scripts and the phone page's own) blocks nothing the portal
// needs, in the console and on the merchant pages; the API answers carry the static headers; a
// session cookie kept from before sign-out opens nothing; a hostile callbackUrl ends on /console;
// the audit log has the address the load balancer saw, not one the client wrote itself.
// Each test signs in itself, in a context of its own, not from the setup project's saved session:
// signing in and out is part of what they check.
import { devices, type BrowserContext } from "@playwright/test";
import { E2E } from "./config";
import { clientAddress, expect, signIn, test, WECHAT_UA } from "./fixtures";

/** Every CSP violation the page reports, from the browser's own event and its console. */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeFunction("__reportCsp", (line: string) => violations.push(line));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCsp(line: string): void }).__reportCsp(
        `${e.violatedDirective} ${e.blockedURI} at ${location.pathname}`,
      );
    });
  });
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test.describe("web security", () => {
  test("a page's CSP: frame-ancestors, object-src, base-uri, and its nonce on every script Next.js wrote", async ({ request }) => {
    const response = await request.get("/signin");
    const headers = response.headers();
    const csp = headers["content-security-policy"]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toMatch(/img-src 'self' data:/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["x-frame-options"]).toBe("DENY");
    // http://localhost: no HSTS (it is sent when PUBLIC_BASE_URL is https).
    expect(headers["strict-transport-security"]).toBeUndefined();
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const scripts = (await response.text()).match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    // A new one for the next page.
    expect((await request.get("/signin")).headers()["content-security-policy"]).not.toContain(nonce);
  });

  test("the console works under its CSP: nothing blocked on any page", async ({ browser }, testInfo) => {
    const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": clientAddress(testInfo, 1) } });
    const violations = await watchCsp(context);
    const page = await context.newPage();
    // Signed in here, not from the setup project's session: the sign-in form's scripts run under the CSP too.
    await signIn(page);
    await expect(page).toHaveURL(/\/console$/);
    await expect(page.getByRole("heading", { name: "概览" })).toBeVisible();
    for (const path of [
      "/console/authorizers",
      "/console/links",
      "/console/health",
      "/console/api-keys",
      "/console/users",
      "/console/audit",
    ]) {
      await page.goto(path);
      await expect(page.locator("h1").first()).toBeVisible();
    }
    // Client-side navigation and a language switch (scripts that React loaded) still run.
    await page.getByRole("link", { name: "健康状况" }).first().click();
    await expect(page).toHaveURL(/\/console\/health$/);
    await page.getByLabel("语言").selectOption("en");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    expect(violations).toEqual([]);
    await context.close();
  });

  test("the merchant pages work under their CSP: the PC page's live status, the phone page's scripts", async ({ browser }, testInfo) => {
    const contexts = {
      desktop: await browser.newContext({ ...devices["Desktop Chrome"], baseURL: E2E.portalUrl }),
      phone: await browser.newContext({ ...devices["Pixel 7"], baseURL: E2E.portalUrl }),
      wechat: await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA, baseURL: E2E.portalUrl }),
    };
    const violations: string[][] = [];
    for (const [i, context] of Object.values(contexts).entries()) {
      await context.setExtraHTTPHeaders({ "x-forwarded-for": clientAddress(testInfo, 2 + i) });
      violations.push(await watchCsp(context));
    }
    const page = await contexts.desktop.newPage();
    await page.goto("/authorize?auth_type=1");
    await expect(page).toHaveURL(/[?&]attempt=/);
    await expect(page.locator('[data-testid="qr-frame"] svg')).toBeVisible();

    // On a phone outside WeChat the phone page's inline script binds the copy button (it says whether it worked).
    const phone = await contexts.phone.newPage();
    await phone.goto("/m/authorize?auth_type=1");
    await phone.getByTestId("copy-link").click();
    await expect(phone.getByTestId("copy-status")).not.toBeEmpty();

    // Inside WeChat its first script forwards to WeChat's H5 page (here the sandbox's) at once.
    const wechat = await contexts.wechat.newPage();
    await wechat.goto("/m/authorize?auth_type=1");
    await expect(wechat).toHaveURL(new RegExp(`^${E2E.sandboxUrl}/`));
    expect(violations.flat()).toEqual([]);
    for (const context of Object.values(contexts)) await context.close();
  });

  test("API answers carry nosniff and a CSP that allows nothing, WeChat's routes included", async ({ request }) => {
    test.skip(test.info().project.name === "mobile", "HTTP only: once is enough");
    for (const response of [await request.get("/api/health"), await request.post("/api/wechat/component/events", { data: "<xml/>" })]) {
      expect(response.headers()["x-content-type-options"]).toBe("nosniff");
      expect(response.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  test("a session cookie kept from before sign-out opens nothing", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page);
    await expect(page).toHaveURL(/\/console$/);
    const kept = await context.cookies();
    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/signin/);

    const thief = await browser.newContext();
    await thief.addCookies(kept);
    const stolen = await thief.newPage();
    await stolen.goto("/console");
    await expect(stolen).toHaveURL(/\/signin/);
    await expect(stolen.getByRole("heading", { name: "员工登录" })).toBeVisible();
    await context.close();
    await thief.close();
  });

  test("a hostile callbackUrl ends on /console, before and after signing in", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, { path: "/signin?callbackUrl=/%5Cevil.example/x" });
    await expect(page).toHaveURL(`${E2E.portalUrl}/console`);
    for (const hostile of ["/%5Cevil.example/x", "/%09/evil.example", "//evil.example", "https://evil.example", "javascript:alert(1)"]) {
      await page.goto(`/signin?callbackUrl=${hostile}`);
      await expect(page).toHaveURL(`${E2E.portalUrl}/console`);
    }
    await context.close();
  });

  test("the audit log has the address the load balancer saw, not what the client put before it", async ({ browser }, testInfo) => {
    const address = clientAddress(testInfo, 4);
    const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": `6.6.6.6, ${address}` } });
    const page = await context.newPage();
    await signIn(page);
    await expect(page).toHaveURL(/\/console$/);
    await page.goto("/console/audit?action=staff.signed_in");
    const row = page.getByTestId("audit-row").first();
    await expect(row).toContainText(address);
    await expect(row).not.toContainText("6.6.6.6");
    await context.close();
  });
});
