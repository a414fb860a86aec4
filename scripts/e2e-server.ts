// The portal as the e2e tests see it: production build, a fresh database for every run (on
// DATABASE_URL's server, or on an embedded PostgreSQL server of its own in a temporary folder), a
// known admin, WeChat = the sandbox.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScratchDatabase, scratchServer } from "../lib/db/scratch";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { buildPortal, startPortal } from "./portal-server";
import { E2E } from "../e2e/config";

buildPortal();
const dataDir = mkdtempSync(join(tmpdir(), "portal-e2e-"));
const server = await scratchServer("portal-e2e-pg");
const scratch = await createScratchDatabase(server.serverUrl, "cp_e2e");
const child = startPortal({
  port: E2E.portalPort,
  env: {
    DATABASE_URL: scratch.url,
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: E2E.portalUrl,
    ADMIN_EMAIL: E2E.admin.email,
    ADMIN_PASSWORD: E2E.admin.password,
    WECHAT_COMPONENT_APPID: DEMO_COMPONENT.appid,
    WECHAT_COMPONENT_APPSECRET: DEMO_COMPONENT.appsecret,
    WECHAT_COMPONENT_TOKEN: DEMO_COMPONENT.token,
    WECHAT_COMPONENT_AES_KEY: DEMO_COMPONENT.encodingAesKey,
    WECHAT_API_BASE: E2E.sandboxUrl,
    WECHAT_MP_BASE: E2E.sandboxUrl,
    WECHAT_OPEN_BASE: E2E.sandboxUrl,
    TOKEN_ENCRYPTION_KEY: `e2e1:${randomBytes(32).toString("base64")}`,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    // The demo's and the tests' receivers run on this machine, over http.
    WEBHOOK_ALLOW_PRIVATE: "true",
    // The e2e's test receiver is where merchants return to.
    RETURN_URL_ORIGINS: E2E.receiverOrigin,
  },
});
child.on("exit", async (code) => {
  // The embedded PostgreSQL runs detached: it stops only when told.
  await server.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code ?? 1);
});
// Playwright ends its web servers with SIGTERM (playwright.config.ts, gracefulShutdown): the portal
// stops first, then the exit handler above stops the database server.
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => child.kill("SIGTERM"));
