// The portal as the e2e tests see it: production build, a fresh database for every run (on
// DATABASE_URL's server, or on an embedded PostgreSQL server of its own in a temporary folder), a
// known admin, WeChat = the sandbox.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ensureEmbeddedServer } from "../lib/db/embedded-server";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { buildPortal, startPortal } from "./portal-server";
import { E2E } from "../e2e/config";

async function freshDatabaseUrl(serverUrl: string): Promise<string> {
  const name = `cp_e2e_${randomBytes(5).toString("hex")}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

buildPortal();
const dataDir = mkdtempSync(join(tmpdir(), "portal-e2e-"));
const embedded = process.env.DATABASE_URL ? undefined : await ensureEmbeddedServer(join(dataDir, "postgres"));
const serverUrl = process.env.DATABASE_URL ?? embedded!.serverUrl;
const child = startPortal({
  port: E2E.portalPort,
  env: {
    DATABASE_URL: await freshDatabaseUrl(serverUrl),
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
  },
});
child.on("exit", async (code) => {
  await embedded?.stop().catch(() => {});
  process.exit(code ?? 1);
});
