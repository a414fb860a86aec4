// The pre_auth_code's life on the merchant pages, against a sandbox whose clock runs 20× fast (a
// code lives 30 s instead of 600 s): renewal before it lapses without moving anything on the page,
// a lapsed code never shown, a hidden tab, and WeChat failing to give a new code. This file starts
// its own sandbox (SANDBOX_CLOCK=20) and its own portal (the build in NEXT_DIST_DIR, a fresh
// embedded database) on the e2e ports + 2, so the main stack keeps WeChat's real clock.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devices, expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { E2E } from "./config";

const require = createRequire(import.meta.url);
const PORTAL_PORT = E2E.portalPort + 2;
const SANDBOX_PORT = E2E.sandboxPort + 2;
const PORTAL = `http://localhost:${PORTAL_PORT}`;
const SANDBOX = `http://localhost:${SANDBOX_PORT}`;
const CLOCK = 20;
const CODE_LIFETIME_MS = (600 / CLOCK) * 1000;
const WECHAT_UA = `${devices["Pixel 7"].userAgent} MicroMessenger/8.0.47.2560(0x28002F30) NetType/WIFI Language/zh_CN`;
const SHOTS = "artifacts/screenshots/merchant";

type ApiAttempt = { id: string; status: string; expiresInMs: number; phoneUrl: string; links: { pc: string; h5: string } | null };

test.describe.configure({ mode: "serial", timeout: 120_000 });

let sandbox: ChildProcess | undefined;
let portal: ChildProcess | undefined;

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const common = { ...process.env, LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1" };
  sandbox = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
    stdio: "inherit",
    env: {
      ...common,
      SANDBOX_PORT: String(SANDBOX_PORT),
      SANDBOX_CLOCK: String(CLOCK),
      SANDBOX_AUTH_DOMAIN: `localhost:${PORTAL_PORT}`,
      SANDBOX_EVENT_URL: `${PORTAL}/api/wechat/component/events`,
      SANDBOX_MESSAGE_URL: `${PORTAL}/api/wechat/messages/$APPID$`,
      SANDBOX_PUSH_TICKET_ON_START: "false",
    },
  });
  const portalEnv: NodeJS.ProcessEnv = {
    ...common,
    DATA_DIR: mkdtempSync(join(tmpdir(), "portal-e2e-fast-")),
    PUBLIC_BASE_URL: PORTAL,
    WECHAT_COMPONENT_APPID: DEMO_COMPONENT.appid,
    WECHAT_COMPONENT_APPSECRET: DEMO_COMPONENT.appsecret,
    WECHAT_COMPONENT_TOKEN: DEMO_COMPONENT.token,
    WECHAT_COMPONENT_AES_KEY: DEMO_COMPONENT.encodingAesKey,
    WECHAT_API_BASE: SANDBOX,
    WECHAT_MP_BASE: SANDBOX,
    WECHAT_OPEN_BASE: SANDBOX,
    TOKEN_ENCRYPTION_KEY: `e2efast:${randomBytes(32).toString("base64")}`,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
  };
  delete portalEnv.DATABASE_URL; // always the embedded database: nothing to clean up on a server
  portal = spawn(process.execPath, [require.resolve("next/dist/bin/next"), "start", "-p", String(PORTAL_PORT)], {
    stdio: "inherit",
    env: portalEnv,
  });
  await Promise.all([waitFor(`${SANDBOX}/sandbox/api/state`, 60_000), waitFor(`${PORTAL}/signin`, 90_000)]);
  const pushed = await fetch(`${SANDBOX}/sandbox/api/push-ticket`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"wait":true}',
  });
  expect(pushed.ok).toBe(true);
});

test.afterAll(async () => {
  for (const child of [portal, sandbox]) child?.kill("SIGTERM");
});

async function snap(page: Page, testInfo: TestInfo, name: string) {
  const dir = `${SHOTS}/${testInfo.project.name}`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

async function attemptIdOf(page: Page): Promise<string> {
  await expect(page).toHaveURL(/[?&]attempt=[A-Za-z0-9_-]{22}/, { timeout: 15_000 });
  return new URL(page.url()).searchParams.get("attempt") ?? "";
}

async function readAttempt(request: APIRequestContext, id: string): Promise<ApiAttempt> {
  return (await (await request.get(`${PORTAL}/api/authorize/attempts/${id}`)).json()) as ApiAttempt;
}

const preAuthCodeOf = (link: string | null) => (link ? new URL(link).searchParams.get("pre_auth_code") : null);
const currentCode = async (page: Page) => preAuthCodeOf(await page.getByTestId("open-pc").getAttribute("href"));

async function firstOfficialAccount(request: APIRequestContext): Promise<{ appid: string; nickName: string }> {
  const { accounts } = (await (await request.get(`${SANDBOX}/sandbox/api/accounts`)).json()) as {
    accounts: { appid: string; kind: string; nickName: string; releaseTest: boolean }[];
  };
  const account = accounts.find((candidate) => candidate.kind === "official_account" && !candidate.releaseTest);
  if (!account) throw new Error("no official account in the sandbox");
  return account;
}

/** Seconds on the countdown ("二维码有效期 00:27"). */
async function countdownSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId("countdown").textContent()) ?? "";
  const match = /(\d\d):(\d\d)/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
}

test("renewal: a new code before the old one lapses; the QR code does not move; the new code works", async ({
  page,
  browser,
  request,
}, testInfo) => {
  const account = await firstOfficialAccount(request);
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  const id = await attemptIdOf(page);
  await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
  const first = await currentCode(page);
  expect(first).toBeTruthy();
  const qrBefore = await page.getByTestId("qr-frame").boundingBox();
  const qrValue = await page.locator("svg[data-qr-value]").getAttribute("data-qr-value");
  // Cumulative layout shift from now on (Chromium's Layout Instability API).
  await page.evaluate(() => {
    const w = window as unknown as { __shift: number };
    w.__shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) w.__shift += entry.value;
      }
    }).observe({ type: "layout-shift" });
  });

  const seen = new Set<string | null>();
  let lowest = Infinity;
  await expect
    .poll(
      async () => {
        seen.add(await page.getByTestId("attempt-live").getAttribute("data-code-state"));
        lowest = Math.min(lowest, await countdownSeconds(page));
        return currentCode(page);
      },
      { timeout: CODE_LIFETIME_MS + 10_000, intervals: [250] },
    )
    .not.toBe(first);
  // Renewed while the old code still had a few seconds: the page never showed a lapsed one.
  expect([...seen]).toEqual(["live"]);
  expect(lowest).toBeGreaterThan(0);
  await expect.poll(() => countdownSeconds(page)).toBeGreaterThan(CODE_LIFETIME_MS / 1000 - 5);
  expect(await page.getByTestId("qr-frame").boundingBox()).toEqual(qrBefore);
  expect(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value")).toBe(qrValue);
  expect(await page.evaluate(() => (window as unknown as { __shift: number }).__shift)).toBe(0);
  expect(preAuthCodeOf((await readAttempt(request, id)).links?.pc ?? null)).toBe(await currentCode(page));
  await snap(page, testInfo, "pc-renewed");

  // The same QR code, scanned now, goes through with the current code.
  const phoneContext = await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA });
  const phone = await phoneContext.newPage();
  await phone.goto(String(qrValue));
  await phone.locator(`a[data-appid="${account.appid}"]`).click();
  await phone.getByTestId("confirm").click();
  await expect(phone.getByTestId("attempt-success")).toBeVisible();
  await expect(page.getByTestId("authorizer-name")).toHaveText(account.nickName, { timeout: 10_000 });
  await phoneContext.close();
});

test("an expired code is never offered: resuming renews it, the phone page forwards a fresh one, WeChat refuses the lapsed one", async ({
  browser,
  request,
}, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${PORTAL}/authorize?auth_type=2`);
  const id = await attemptIdOf(page);
  const lapsed = String((await readAttempt(request, id)).links?.h5);
  await context.close(); // nobody is watching: nothing renews it

  await expect
    .poll(async () => (await readAttempt(request, id)).status, { timeout: CODE_LIFETIME_MS + 10_000, intervals: [1_000] })
    .toBe("expired");
  expect((await readAttempt(request, id)).links).toBeNull();

  const phoneContext = await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA });
  const phone = await phoneContext.newPage();
  await phone.goto(lapsed, { referer: `${PORTAL}/m/authorize` });
  await expect(phone.getByTestId("refusal-message")).toHaveText("授权已经失效，请关闭本页重新发起授权");
  await snap(phone, testInfo, "wechat-refuses-lapsed-code");
  await phone.goto(`${PORTAL}/m/authorize?attempt=${id}`);
  await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
  expect(new URL(phone.url()).searchParams.get("pre_auth_code")).not.toBe(new URL(lapsed).searchParams.get("pre_auth_code"));
  await phoneContext.close();

  const resumed = await browser.newPage();
  await resumed.goto(`${PORTAL}/authorize?attempt=${id}`);
  await expect(resumed.getByTestId("attempt-live")).toHaveAttribute("data-code-state", "live");
  expect(await countdownSeconds(resumed)).toBeGreaterThan(0);
  expect((await readAttempt(request, id)).status).toBe("pending");
  await resumed.close();
});

test("a hidden tab stops polling, and when shown again renews the lapsed code at once", async ({ page, request }) => {
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  const id = await attemptIdOf(page);
  const first = await currentCode(page);
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.waitForTimeout(1_000); // a poll already on its way may still land
  const calls: string[] = [];
  page.on("request", (req) => {
    if (req.url().includes("/api/authorize/attempts/")) calls.push(`${req.method()} ${req.url()}`);
  });
  await expect
    .poll(async () => (await readAttempt(request, id)).status, { timeout: CODE_LIFETIME_MS + 10_000, intervals: [1_000] })
    .toBe("expired");
  expect(calls).toEqual([]);

  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await expect.poll(() => currentCode(page), { timeout: 10_000 }).not.toBe(first);
  await expect(page.getByTestId("attempt-live")).toHaveAttribute("data-code-state", "live");
  expect(calls.some((call) => call.startsWith("POST") && call.endsWith("/renew"))).toBe(true);
});

test("when WeChat cannot give a new code the QR code is marked expired, and comes back once it can", async ({
  page,
  request,
}, testInfo) => {
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  await attemptIdOf(page);
  const fault = await request.post(`${SANDBOX}/sandbox/api/faults`, { data: { kind: "errcode-1", endpoint: "api_create_preauthcode" } });
  expect(fault.ok()).toBe(true);
  try {
    await expect(page.getByTestId("attempt-live")).toHaveAttribute("data-code-state", "dead", { timeout: CODE_LIFETIME_MS + 10_000 });
    await expect(page.getByTestId("refresh-code")).toBeVisible();
    await expect(page.getByTestId("open-pc")).toHaveCount(0);
    await snap(page, testInfo, "pc-code-dead");
  } finally {
    await request.delete(`${SANDBOX}/sandbox/api/faults`);
  }
  // The page keeps retrying by itself (with back-off); the button asks at once. Either may win.
  await page
    .getByTestId("refresh-code")
    .click({ timeout: 2_000 })
    .catch(() => undefined);
  await expect(page.getByTestId("attempt-live")).toHaveAttribute("data-code-state", "live", { timeout: 35_000 });
  await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
  expect(await countdownSeconds(page)).toBeGreaterThan(0);
});
