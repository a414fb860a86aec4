// The pre_auth_code's life on the merchant pages, against a sandbox whose clock runs 20× fast (a
// code lives 30 s instead of 600 s): a code only when the merchant presses the PC button or the phone
// opens the QR code, a lapsed one replaced on the next use while the QR code stays the same, a
// lapsed code never offered, a hidden tab, and WeChat failing to give a code. This file starts its
// own sandbox (SANDBOX_CLOCK=20) and its own portal (the build in NEXT_DIST_DIR, a fresh embedded
// database) on the e2e ports + 2, so the main stack keeps WeChat's real clock.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devices, type APIRequestContext } from "@playwright/test";
import { ensureEmbeddedServer, type EmbeddedServer } from "../lib/db/embedded-server";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { portalServerArgs } from "../scripts/portal-server";
import { E2E } from "./config";
import { attemptIdOf, expect, readAttempt, snap, test, WECHAT_UA } from "./fixtures";

const PORTAL_PORT = E2E.portalPort + 2;
const SANDBOX_PORT = E2E.sandboxPort + 2;
const PORTAL = `http://localhost:${PORTAL_PORT}`;
const SANDBOX = `http://localhost:${SANDBOX_PORT}`;
const CLOCK = 20;
const CODE_LIFETIME_MS = (600 / CLOCK) * 1000;

test.describe.configure({ mode: "serial", timeout: 120_000 });
// The fixtures' request, readAttempt and sandbox talk to this file's stack.
test.use({ baseURL: PORTAL, sandboxUrl: SANDBOX });

let sandboxProcess: ChildProcess | undefined;
let portalProcess: ChildProcess | undefined;
let database: EmbeddedServer | undefined;
let dataDir: string | undefined;

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

test.beforeAll(async ({ sandbox }) => {
  test.setTimeout(120_000);
  const common = { ...process.env, LOG_LEVEL: "warn", NEXT_TELEMETRY_DISABLED: "1" };
  sandboxProcess = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
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
  dataDir = mkdtempSync(join(tmpdir(), "portal-e2e-fast-"));
  // Its own embedded PostgreSQL in a temporary folder, where the portal looks for it: nothing to clean up on a server.
  database = await ensureEmbeddedServer(join(dataDir, "postgres"));
  const portalEnv: NodeJS.ProcessEnv = {
    ...common,
    DATA_DIR: dataDir,
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
  delete portalEnv.DATABASE_URL;
  portalProcess = spawn(process.execPath, portalServerArgs({ port: PORTAL_PORT, host: "127.0.0.1" }), {
    stdio: "inherit",
    env: portalEnv,
  });
  await Promise.all([waitFor(`${SANDBOX}/sandbox/api/state`, 60_000), waitFor(`${PORTAL}/signin`, 90_000)]);
  await sandbox.pushTicket();
});

test.afterAll(async () => {
  for (const child of [portalProcess, sandboxProcess]) child?.kill("SIGTERM");
  await new Promise((resolve) =>
    portalProcess && portalProcess.exitCode === null ? portalProcess.once("exit", resolve) : resolve(undefined),
  );
  await database?.stop().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const preAuthCodeOf = (link: string | null) => (link ? new URL(link).searchParams.get("pre_auth_code") : null);

/** Until the attempt's current code has lapsed (on the sandbox's fast clock). */
async function codeLapsed(request: APIRequestContext, id: string) {
  await expect
    .poll(async () => (await readAttempt(request, id)).codeExpiresInMs, { timeout: CODE_LIFETIME_MS + 10_000, intervals: [500] })
    .toBeNull();
}

test("the PC button asks for a code only when pressed; pressed after it lapsed, it gets a new one; the QR code does not move", async ({
  page,
  browser,
  request,
  sandbox,
}, testInfo) => {
  const account = await sandbox.createAccount("official_account");
  const before = await sandbox.preAuthCodesIssued();
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  const id = await attemptIdOf(page);
  await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
  const qrBefore = await page.getByTestId("qr-frame").boundingBox();
  const qrValue = await page.locator("svg[data-qr-value]").getAttribute("data-qr-value");
  expect(await sandbox.preAuthCodesIssued()).toBe(before);

  await page.getByTestId("open-pc").click();
  await expect(page.getByRole("heading", { name: "公众平台账号授权" })).toBeVisible();
  const first = preAuthCodeOf(page.url());
  expect(first).toBeTruthy();
  expect(await sandbox.preAuthCodesIssued()).toBe(before + 1);

  // Back on the portal's page, the code lapses; nothing happens until the merchant presses again.
  await page.goBack();
  await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
  await codeLapsed(request, id);
  expect(await sandbox.preAuthCodesIssued()).toBe(before + 1);
  expect(await page.getByTestId("qr-frame").boundingBox()).toEqual(qrBefore);
  expect(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value")).toBe(qrValue);
  await snap(page, testInfo, "pc-code-lapsed");

  await page.getByTestId("open-pc").click();
  await expect(page.getByRole("heading", { name: "公众平台账号授权" })).toBeVisible();
  const second = preAuthCodeOf(page.url());
  expect(second).not.toBe(first);
  expect(await sandbox.preAuthCodesIssued()).toBe(before + 2);

  // WeChat's PC page with the new code goes through.
  const sandboxPhone = String(await page.getByTestId("phone-link").getAttribute("href"));
  const phoneContext = await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA });
  const phone = await phoneContext.newPage();
  await phone.goto(sandboxPhone);
  await phone.locator(`a[data-appid="${account.appid}"]`).click();
  await phone.getByTestId("confirm").click();
  await expect(page).toHaveURL(/\/authorize\/result\?attempt=/, { timeout: 10_000 });
  await expect(page.getByTestId("authorizer-name")).toHaveText(account.nickName);
  await phoneContext.close();
});

test("a lapsed code is never offered: WeChat refuses it, the phone page forwards a fresh one", async ({ browser, request }, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${PORTAL}/authorize?auth_type=2`);
  const id = await attemptIdOf(page);
  const qrValue = String(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value"));
  await context.close();

  const phoneContext = await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA });
  const phone = await phoneContext.newPage();
  await phone.goto(qrValue);
  await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
  const lapsed = phone.url();
  await codeLapsed(request, id);
  expect(await readAttempt(request, id)).toMatchObject({ status: "pending", links: null });

  // A new document: the same URL again would only move to its #fragment.
  await phone.goto("about:blank");
  await phone.goto(lapsed, { referer: `${PORTAL}/m/authorize` });
  await expect(phone.getByTestId("refusal-message")).toHaveText("授权已经失效，请关闭本页重新发起授权");
  await snap(phone, testInfo, "wechat-refuses-lapsed-code");
  await phone.goto(qrValue);
  await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
  expect(preAuthCodeOf(phone.url())).not.toBe(preAuthCodeOf(lapsed));
  await phoneContext.close();
});

test("a hidden tab stops polling, and asks at once when shown again", async ({ page, browser, request }) => {
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  const id = await attemptIdOf(page);
  const qrValue = String(await page.locator("svg[data-qr-value]").getAttribute("data-qr-value"));
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.waitForTimeout(1_000); // a poll already on its way may still land
  const calls: string[] = [];
  page.on("request", (req) => {
    if (req.url().includes("/api/authorize/attempts/")) calls.push(`${req.method()} ${req.url()}`);
  });
  // Meanwhile the admin opens the QR code on the phone, and that code lapses.
  const phoneContext = await browser.newContext({ ...devices["Pixel 7"], userAgent: WECHAT_UA });
  const phone = await phoneContext.newPage();
  await phone.goto(qrValue);
  await expect(phone.getByRole("heading", { name: "选择要授权的账号" })).toBeVisible();
  await codeLapsed(request, id);
  await phoneContext.close();
  expect(calls).toEqual([]);

  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await expect.poll(() => calls.length, { timeout: 5_000 }).toBeGreaterThan(0);
  expect(calls.every((call) => call.startsWith("GET"))).toBe(true);
  await expect(page.getByTestId("attempt-status")).toHaveText("等待管理员扫码并确认…");
});

test("when WeChat cannot give a code the PC button says so, and works once it can", async ({ page, request }, testInfo) => {
  await page.goto(`${PORTAL}/authorize?auth_type=1`);
  await attemptIdOf(page);
  const fault = await request.post(`${SANDBOX}/sandbox/api/faults`, { data: { kind: "errcode-1", endpoint: "api_create_preauthcode" } });
  expect(fault.ok()).toBe(true);
  try {
    await page.getByTestId("open-pc").click();
    await expect(page.getByTestId("attempt-status")).toHaveText("暂时无法打开微信授权页，请稍后再试");
    await expect(page).toHaveURL(/\/authorize\?attempt=/);
    await snap(page, testInfo, "pc-open-failed");
  } finally {
    await request.delete(`${SANDBOX}/sandbox/api/faults`);
  }
  await page.getByTestId("open-pc").click();
  await expect(page.getByRole("heading", { name: "公众平台账号授权" })).toBeVisible();
});
