import { defineConfig, devices } from "@playwright/test";
import { E2E } from "./e2e/config";

// Debian's chromium (Playwright cannot download browsers here). Flags keep it off the network.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "artifacts/test-results",
  reporter: [
    ["list"],
    ["html", { outputFolder: "artifacts/playwright-report", open: "never" }],
    ["json", { outputFile: "artifacts/playwright.json" }],
  ],
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  use: {
    baseURL: E2E.portalUrl,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
  projects: [
    // Once per run, before the rest: a ticket in the portal, the admin's session saved (e2e/*.setup.ts).
    { name: "setup", testMatch: /\.setup\.ts$/, use: { ...devices["Desktop Chrome"], launchOptions: chromium } },
    { name: "desktop", dependencies: ["setup"], use: { ...devices["Desktop Chrome"], launchOptions: chromium } },
    { name: "mobile", dependencies: ["setup"], use: { ...devices["Pixel 7"], launchOptions: chromium } },
  ],
  webServer: [
    {
      command: "npx tsx sandbox/main.ts",
      url: `${E2E.sandboxUrl}/sandbox/api/state`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: {
        SANDBOX_PORT: String(E2E.sandboxPort),
        SANDBOX_AUTH_DOMAIN: `localhost:${E2E.portalPort}`,
        SANDBOX_EVENT_URL: `${E2E.portalUrl}/api/wechat/component/events`,
        SANDBOX_MESSAGE_URL: `${E2E.portalUrl}/api/wechat/messages/$APPID$`,
        LOG_LEVEL: "warn",
      },
    },
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `${E2E.portalUrl}/signin`,
      reuseExistingServer: false,
      timeout: 300_000,
      // The specs present client addresses as a load balancer would (X-Forwarded-For).
      env: { LOG_LEVEL: "warn", TRUSTED_PROXY_HOPS: "1" },
      // Not SIGKILL (the default): the server script then stops the PostgreSQL server it started.
      gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    },
  ],
});
