// Several portal processes sharing one PostgreSQL: refreshes must still happen once.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordVerifyTicket } from "@/lib/credentials/component-ticket";
import { getComponentAccessToken } from "@/lib/credentials/component-token";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { createTestDatabase, type TestDatabase } from "../../helpers/database";
import { sandboxCalls, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";

function runWorker(env: Record<string, string>): Promise<{ tokens: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only.mjs", "tests/helpers/race-worker.ts"], {
      env: { ...process.env, ...env, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
}

describe("two portal processes racing refreshes", () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  const workerEnv = () => ({
    DATABASE_URL: t.url,
    WECHAT_API_BASE: sandbox.url,
    WECHAT_MP_BASE: sandbox.url,
    WECHAT_OPEN_BASE: sandbox.url,
    START_AT: String(Date.now() + 1500),
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox();
    // A ticket the sandbox really issued (it validates tickets it pushed).
    const delivery = sandbox.pushTicket();
    await delivery;
    const ticket = sandbox.state.data.tickets.at(-1)?.value;
    expect(ticket).toBeTruthy();
    await recordVerifyTicket({ appid: DEMO_COMPONENT.appid, ticket: ticket!, createTime: new Date() });
  });
  afterAll(async () => {
    await sandbox.close();
    await t.drop();
  });

  it("one api_component_token call for 2 processes × 50 concurrent callers", async () => {
    const before = (await sandboxCalls(sandbox, "api_component_token")).length;
    const env = workerEnv();
    const results = await Promise.all([runWorker(env), runWorker(env)]);
    const tokens = new Set(results.flatMap((r) => r.tokens));
    expect(tokens.size).toBe(1);
    expect((await sandboxCalls(sandbox, "api_component_token")).length - before).toBe(1);
    expect((await getComponentAccessToken()).token).toBe([...tokens][0]);
  });
});
