// npm run demo — the whole product on one machine: the WeChat sandbox on :3100 and the portal on
// :3000, talking to each other as WeChat and the portal would. Data persists in .data/ (embedded
// PostgreSQL) unless DATABASE_URL points at a real one.
import { join } from "node:path";
import { getEnvOrExit } from "../lib/env";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";
import { startSandbox } from "../sandbox/server";
import { startDatabase } from "./database";
import { buildPortal, demoListenHost, startPortal } from "./portal-server";

const PORTAL_PORT = Number(process.env.PORT || 3000);
const HOST = demoListenHost();
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT || 3100);
const portalUrl = `http://localhost:${PORTAL_PORT}`;

// Keys: the user's when set, else the ones the embedded default keeps in .data/secrets.json.
const env = getEnvOrExit();
const keyList = env.encryptionKeys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");
const database = await startDatabase();

const sandbox = await startSandbox({
  port: SANDBOX_PORT,
  host: HOST,
  eventUrl: `${portalUrl}/api/wechat/component/events`,
  messageUrl: `${portalUrl}/api/wechat/messages/$APPID$`,
  authDomain: `localhost:${PORTAL_PORT}`,
  // The first ticket goes out once the portal is listening (below), not into the void.
  pushTicketOnStart: false,
  // WeChat remembers what it issued: so does the demo's sandbox, beside the portal's data.
  stateFile: process.env.SANDBOX_STATE_FILE ?? join(env.dataDir, "sandbox.json"),
});

buildPortal();
const portal = startPortal({
  port: PORTAL_PORT,
  host: HOST,
  env: {
    PUBLIC_BASE_URL: portalUrl,
    WECHAT_COMPONENT_APPID: DEMO_COMPONENT.appid,
    WECHAT_COMPONENT_APPSECRET: DEMO_COMPONENT.appsecret,
    WECHAT_COMPONENT_TOKEN: DEMO_COMPONENT.token,
    WECHAT_COMPONENT_AES_KEY: DEMO_COMPONENT.encodingAesKey,
    WECHAT_API_BASE: sandbox.url,
    WECHAT_MP_BASE: sandbox.url,
    WECHAT_OPEN_BASE: sandbox.url,
    TOKEN_ENCRYPTION_KEY: keyList,
    AUTH_SECRET: env.authSecret,
    // The demo's and the tests' receivers run on this machine, over http.
    WEBHOOK_ALLOW_PRIVATE: "true",
    RETURN_URL_ORIGINS: process.env.RETURN_URL_ORIGINS ?? portalUrl,
  },
});

console.log(
  [
    "",
    `  Portal:         ${portalUrl}  (staff sign-in: ${portalUrl}/signin)`,
    `  WeChat sandbox: ${sandbox.url}/sandbox  (accounts, pushes, faults, release check)`,
    `  Database:       ${database.description}`,
    HOST === "127.0.0.1"
      ? "  Listening on loopback only (DEMO_HOST=0.0.0.0 opens both servers to the network)."
      : `  Listening on ${HOST} (DEMO_HOST): anyone who can reach this machine can reach the demo.`,
    "  Stop with Ctrl+C.",
    "",
  ].join("\n"),
);

async function waitForPortal(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const up = await fetch(`${portalUrl}/api/health`).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
void waitForPortal().then(() => sandbox.pushTicket());

portal.on("exit", async (code) => {
  await sandbox.close();
  await database.release().catch((error: unknown) => console.error(error));
  process.exit(code ?? 0);
});
