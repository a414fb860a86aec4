// SANDBOX_STATE_FILE across restarts: everything issued before is still honoured, nothing issued before is
// issued again, the clock goes on where it was; a bad file is set aside (kept) and the sandbox starts fresh.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SandboxHandle, StartSandboxOptions } from "../server";
import { seedAccounts } from "../state/accounts";
import { COMPONENT, NOWHERE, accountsOf, api, control, firstAccount, getComponentToken, startTestSandbox } from "./helpers";

const AUTH_DOMAIN = "portal.example.test:3000";
const REFERER = `http://${AUTH_DOMAIN}/authorize`;
const REDIRECT = `http://${AUTH_DOMAIN}/api/wechat/authorize/callback`;
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

let directory: string;
let stateFile: string;
const running: SandboxHandle[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "sandbox-persist-"));
  stateFile = join(directory, "state.json");
});
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close();
  rmSync(directory, { recursive: true, force: true });
});

async function start(options: StartSandboxOptions = {}): Promise<SandboxHandle> {
  const sandbox = await startTestSandbox({ stateFile, authDomain: AUTH_DOMAIN, rotateRefreshEvery: 2, ...options });
  running.push(sandbox);
  return sandbox;
}

async function stop(sandbox: SandboxHandle): Promise<void> {
  running.splice(running.indexOf(sandbox), 1);
  await sandbox.close();
}

/** pino writing JSON lines into an array, to assert what the sandbox reported. */
function captureLogs() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const WARN = 40;

async function createPreAuthCode(sandbox: SandboxHandle, componentToken: string): Promise<string> {
  const answer = await api(
    sandbox,
    "api_create_preauthcode",
    { component_appid: COMPONENT.appid },
    { component_access_token: componentToken },
  );
  if (typeof answer.pre_auth_code !== "string") throw new Error(`no pre_auth_code: ${JSON.stringify(answer)}`);
  return answer.pre_auth_code;
}

/** Opens the H5 authorization page for a pre_auth_code, as the portal's link does. */
async function openLink(sandbox: SandboxHandle, preAuthCode: string) {
  const url = new URL("/wxaopen/safe/bindcomponent", sandbox.url);
  url.search = new URLSearchParams({
    component_appid: COMPONENT.appid,
    pre_auth_code: preAuthCode,
    redirect_uri: REDIRECT,
    auth_type: "1",
  }).toString();
  const response = await fetch(url, { headers: { referer: REFERER }, redirect: "manual" });
  return { text: await response.text(), refusal: response.headers.get("x-sandbox-refusal") };
}

/** The admin confirms on the phone page; returns the auth_code the redirect carries. */
async function authorizeOnPhone(sandbox: SandboxHandle, preAuthCode: string, appid: string, funcIds: number[]): Promise<string> {
  const page = await openLink(sandbox, preAuthCode);
  const session = /\/sandbox\/phone\/([0-9a-f-]{36})/.exec(page.text)?.[1];
  if (!session) throw new Error(`no session on the page (refusal ${page.refusal})`);
  const form = new URLSearchParams({ appid });
  for (const id of funcIds) form.append("func", String(id));
  const response = await fetch(`${sandbox.url}/sandbox/phone/${session}/confirm`, { method: "POST", body: form, redirect: "manual" });
  const code = new URL(String(response.headers.get("location"))).searchParams.get("auth_code");
  if (!code) throw new Error("no auth_code in the redirect");
  return code;
}

function refresh(sandbox: SandboxHandle, args: { appid: string; refreshToken: string; componentToken: string }) {
  return api(
    sandbox,
    "api_authorizer_token",
    { component_appid: COMPONENT.appid, authorizer_appid: args.appid, authorizer_refresh_token: args.refreshToken },
    { component_access_token: args.componentToken },
  );
}

function authorizerList(sandbox: SandboxHandle, componentToken: string) {
  return api(
    sandbox,
    "api_get_authorizer_list",
    { component_appid: COMPONENT.appid, offset: 0, count: 500 },
    { component_access_token: componentToken },
  );
}

/** Every credential value a sandbox has handed out so far. */
function issuedValues(sandbox: SandboxHandle): Set<string> {
  const data = sandbox.state.data;
  return new Set([
    ...data.tickets.map((ticket) => ticket.value),
    ...data.componentTokens.map((token) => token.value),
    ...data.preAuthCodes.map((code) => code.value),
    ...data.authCodes.map((code) => code.value),
    ...data.authorizerTokens.map((token) => token.value),
    ...data.jsapiTickets.map((ticket) => ticket.value),
    ...data.authorizations.flatMap((entry) => [
      entry.refreshToken,
      ...(entry.previousRefreshToken ? [entry.previousRefreshToken.value] : []),
    ]),
  ]);
}

describe("a restart with a state file", () => {
  it("honours every credential issued before, issues none of them again and keeps the clock", async () => {
    const first = await start();
    const [account, other] = accountsOf(first, "official_account");
    if (!account || !other) throw new Error("two official accounts expected");
    const componentToken = await getComponentToken(first);
    const ticket = String(first.state.data.tickets.at(-1)?.value);

    // Authorized through the merchant pages, exchanged, refreshed until the refresh token rotated.
    const authCode = await authorizeOnPhone(first, await createPreAuthCode(first, componentToken), account.appid, [1, 2, 4]);
    const queried = await api(
      first,
      "api_query_auth",
      { component_appid: COMPONENT.appid, authorization_code: authCode },
      { component_access_token: componentToken },
    );
    const originalRefreshToken = String((queried.authorization_info as Record<string, unknown>).authorizer_refresh_token);
    expect(
      (await refresh(first, { appid: account.appid, refreshToken: originalRefreshToken, componentToken })).authorizer_refresh_token,
    ).toBe(originalRefreshToken);
    const rotation = await refresh(first, { appid: account.appid, refreshToken: originalRefreshToken, componentToken });
    const rotatedRefreshToken = String(rotation.authorizer_refresh_token);
    expect(rotatedRefreshToken).not.toBe(originalRefreshToken);
    const accessToken = String(rotation.authorizer_access_token);

    // Outstanding at shutdown: a pre_auth_code nobody used and an auth_code nobody exchanged.
    const pendingPreAuthCode = await createPreAuthCode(first, componentToken);
    const pendingAuthCode = String((await control(first, "authorize", { appid: other.appid, push: false })).auth_code);
    first.context.clock.advance(500);

    const listBefore = await authorizerList(first, componentToken);
    expect(listBefore.total_count).toBe(2);
    const issuedBefore = issuedValues(first);
    const clockAtClose = first.context.clock.now();
    await stop(first);

    const second = await start();
    expect(second.context.clock.now()).toBeGreaterThanOrEqual(clockAtClose);
    expect(await authorizerList(second, componentToken)).toEqual(listBefore);

    // The authorizer's latest access token and both refresh tokens (the rotated one, and the one it
    // replaced, still in its hour of grace) work: no 61003, no 61023.
    const jsapi = (await (
      await fetch(`${second.url}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(accessToken)}&type=jsapi`)
    ).json()) as Record<string, unknown>;
    expect(jsapi).toMatchObject({ errcode: 0 });
    for (const refreshToken of [rotatedRefreshToken, originalRefreshToken]) {
      const answer = await refresh(second, { appid: account.appid, refreshToken, componentToken });
      expect(answer).toHaveProperty("authorizer_access_token");
      expect(answer.errcode).toBeUndefined();
    }

    // The outstanding codes are still good.
    const exchanged = await api(
      second,
      "api_query_auth",
      { component_appid: COMPONENT.appid, authorization_code: pendingAuthCode },
      { component_access_token: componentToken },
    );
    expect((exchanged.authorization_info as Record<string, unknown>).authorizer_appid).toBe(other.appid);
    expect((await openLink(second, pendingPreAuthCode)).refusal).toBeNull();

    // Nothing minted after the restart repeats what was minted before it.
    const freshPreAuthCodes = [];
    for (let index = 0; index < 5; index += 1) freshPreAuthCodes.push(await createPreAuthCode(second, componentToken));
    const freshComponentToken = await api(second, "api_component_token", {
      component_appid: COMPONENT.appid,
      component_appsecret: COMPONENT.appsecret,
      component_verify_ticket: ticket,
    });
    expect(freshComponentToken).toHaveProperty("component_access_token");
    const issuedAfter = [...issuedValues(second)].filter((value) => !issuedBefore.has(value));
    expect(issuedAfter).toEqual(expect.arrayContaining([...freshPreAuthCodes, String(freshComponentToken.component_access_token)]));
    for (const value of freshPreAuthCodes) expect(issuedBefore.has(value)).toBe(false);
    expect(issuedBefore.has(String(freshComponentToken.component_access_token))).toBe(false);

    // Lifetimes go on from where they were: the pending pre_auth_code dies 600 s after it was issued
    // (500 s of which passed before the restart), not 600 s after the restart.
    second.context.clock.advance(101);
    expect((await openLink(second, pendingPreAuthCode)).refusal).toBe("pre_auth_code_expired");
  });

  it("never replays the codes of a state file that was lost", async () => {
    const first = await start();
    const token = await getComponentToken(first);
    const before = [await createPreAuthCode(first, token), await createPreAuthCode(first, token)];
    await stop(first);
    rmSync(stateFile);

    const second = await start();
    const secondToken = await getComponentToken(second);
    expect(before).not.toContain(await createPreAuthCode(second, secondToken));
    expect(secondToken).not.toBe(token);
  });

  it("without a state file the seed still decides every token and code", async () => {
    const one = await startTestSandbox();
    const two = await startTestSandbox();
    running.push(one, two);
    const tokenOne = await getComponentToken(one);
    const tokenTwo = await getComponentToken(two);
    expect(tokenTwo).toBe(tokenOne);
    expect(await createPreAuthCode(two, tokenTwo)).toBe(await createPreAuthCode(one, tokenOne));
  });

  it("saves on SIGTERM: `npm run sandbox` with SANDBOX_STATE_FILE exits 0 and the restart knows the authorization", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        SANDBOX_PORT: "0",
        SANDBOX_STATE_FILE: stateFile,
        SANDBOX_EVENT_URL: NOWHERE,
        SANDBOX_PUSH_TICKET_ON_START: "false",
        SANDBOX_TICKET_INTERVAL_S: "0",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const match = /control page: (http:\/\/localhost:\d+)\/sandbox/.exec(buffered);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`sandbox exited early (${code}): ${buffered}`)));
    });
    const account = seedAccounts("sandbox").find((entry) => entry.kind === "mini_program" && !entry.releaseTest);
    if (!account) throw new Error("no mini program seeded");
    // Two changes in a row: the second lands inside the save throttle, so only the shutdown flush saves it.
    const first = await postJsonTo(`${url}/sandbox/api/authorize`, { appid: account.appid, push: false });
    const second = await postJsonTo(`${url}/sandbox/api/authorize`, { appid: account.appid, ids: [17], push: false });
    expect(first.auth_code).toEqual(expect.any(String));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    const restarted = await start();
    expect(restarted.state.findAuthorization(account.appid)?.funcIds).toEqual([17]);
    expect(restarted.state.data.authCodes.map((code) => code.value)).toContain(second.auth_code);
  });
});

async function postJsonTo(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

describe("a bad state file", () => {
  const asideFiles = () => readdirSync(directory).filter((name) => name.startsWith("state.json.bad-"));

  for (const [name, content] of [
    ["a truncated file", '{"version":1,"seed":"sandbox","registeredAccounts":[],"tickets":[{"value":"ticket@@@'],
    ["an empty file", ""],
    ["JSON that is not a sandbox state", '{"version":1,"seed":"sandbox","authorizations":"none"}'],
  ] as const) {
    it(`${name}: reported with its path, moved aside intact, and the sandbox starts fresh`, async () => {
      writeFileSync(stateFile, content);
      const { logger, lines } = captureLogs();
      const sandbox = await start({ logger });

      const report = lines.find((line) => line.level >= WARN && line.msg.includes(stateFile));
      expect(report, JSON.stringify(lines)).toBeDefined();
      const [aside] = asideFiles();
      expect(aside).toBeDefined();
      expect(report?.msg).toContain(String(aside));
      expect(readFileSync(join(directory, String(aside)), "utf8")).toBe(content);

      // Fresh and working, and what it does now is saved to the usual file.
      const account = firstAccount(sandbox, "official_account");
      await control(sandbox, "authorize", { appid: account.appid, push: false });
      await stop(sandbox);
      const again = captureLogs();
      const restarted = await start({ logger: again.logger });
      expect(restarted.state.findAuthorization(account.appid)).toBeDefined();
      expect(asideFiles()).toHaveLength(1);
      expect(again.lines.filter((line) => line.level >= WARN)).toEqual([]);
    });
  }

  it("a file written for another SANDBOX_SEED is set aside, not loaded and not overwritten", async () => {
    const foreign = await start({ seed: "another" });
    await control(foreign, "authorize", { appid: firstAccount(foreign, "official_account").appid, push: false });
    await stop(foreign);
    const written = readFileSync(stateFile, "utf8");

    const { logger, lines } = captureLogs();
    const sandbox = await start({ logger });
    expect(sandbox.state.data.authorizations).toEqual([]);
    expect(lines.some((line) => line.level >= WARN && line.msg.includes(stateFile) && line.msg.includes("another"))).toBe(true);
    const [aside] = asideFiles();
    expect(readFileSync(join(directory, String(aside)), "utf8")).toBe(written);
  });

  it("two bad starts in a row keep both bad files", async () => {
    writeFileSync(stateFile, "{first");
    await stop(await start());
    writeFileSync(stateFile, "{second");
    await stop(await start());
    const contents = asideFiles().map((name) => readFileSync(join(directory, name), "utf8"));
    expect(contents.sort()).toEqual(["{first", "{second"]);
  });
});
