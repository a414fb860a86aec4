// The control API: validation, faults on demand, the call log, reset, the state file and env parsing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_COMPONENT } from "../../lib/wechat/demo-component";
import { readSandboxEnv, resolveConfig } from "../config";
import type { SandboxHandle } from "../server";
import { COMPONENT, api, control, expectWeChatError, firstAccount, getComponentToken, latestTicket, startTestSandbox } from "./helpers";

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await control(sandbox, "reset", { pushTicket: false });
});

const tokenBody = (ticket: string) => ({
  component_appid: COMPONENT.appid,
  component_appsecret: COMPONENT.appsecret,
  component_verify_ticket: ticket,
});

describe("validation", () => {
  it("answers 400 with the offending fields", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/api/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "meteor", share: 3 }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: { path: string }[] };
    expect(body.error).toBe("invalid request");
    expect(body.issues.length).toBeGreaterThan(0);
    expect((await fetch(`${sandbox.url}/sandbox/api/revoke`, { method: "POST", body: "{oops" })).status).toBe(400);
    expect((await fetch(`${sandbox.url}/sandbox/api/revoke`, { method: "POST", body: JSON.stringify({ appid: "nope" }) })).status).toBe(
      400,
    );
  });

  it("answers 409 when the action does not apply", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/api/revoke`, {
      method: "POST",
      body: JSON.stringify({ appid: firstAccount(sandbox, "official_account").appid }),
    });
    expect(response.status).toBe(409);
  });
});

describe("API faults", () => {
  it("errcode-1 for one endpoint, once", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "errcode-1", endpoint: "api_component_token", count: 1 });
    expectWeChatError(await api(sandbox, "api_component_token", tokenBody(ticket)), -1);
    expect(await api(sandbox, "api_component_token", tokenBody(ticket))).toHaveProperty("component_access_token");
  });

  it("HTTP 5xx", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "http5xx", endpoint: "api_component_token" });
    const response = await fetch(`${sandbox.url}/cgi-bin/component/api_component_token`, {
      method: "POST",
      body: JSON.stringify(tokenBody(ticket)),
    });
    expect(response.status).toBe(503);
    // Other endpoints are untouched.
    expect(await api(sandbox, "clear_quota/v2", { component_appid: COMPONENT.appid, appsecret: COMPONENT.appsecret })).toEqual({
      errcode: 0,
      errmsg: "ok",
    });
  });

  it("latency", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "latency", ms: 300 });
    const started = performance.now();
    expect(await api(sandbox, "api_component_token", tokenBody(ticket))).toHaveProperty("component_access_token");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("hang past the client's timeout", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "hang", endpoint: "api_component_token", ms: 60_000 });
    const attempt = fetch(`${sandbox.url}/cgi-bin/component/api_component_token`, {
      method: "POST",
      body: JSON.stringify(tokenBody(ticket)),
      signal: AbortSignal.timeout(300),
    });
    await expect(attempt).rejects.toThrow(/abort|timeout/i);
  });

  it("hits a share of calls, deterministically for a seed", async () => {
    const ticket = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "errcode-1", endpoint: "api_component_token", share: 0.5 });
    const outcomes: number[] = [];
    for (let index = 0; index < 40; index += 1)
      outcomes.push(Number((await api(sandbox, "api_component_token", tokenBody(ticket))).errcode ?? 0));
    const failures = outcomes.filter((errcode) => errcode === -1).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);

    await control(sandbox, "reset", { pushTicket: false });
    const again = await latestTicket(sandbox);
    await control(sandbox, "faults", { kind: "errcode-1", endpoint: "api_component_token", share: 0.5 });
    const replay: number[] = [];
    for (let index = 0; index < 40; index += 1)
      replay.push(Number((await api(sandbox, "api_component_token", tokenBody(again))).errcode ?? 0));
    expect(replay).toEqual(outcomes);
  });

  it("lists and clears faults", async () => {
    await control(sandbox, "faults", { faults: [{ kind: "latency", ms: 1 }, { kind: "drop-push" }] });
    const listed = (await (await fetch(`${sandbox.url}/sandbox/api/faults`)).json()) as { faults: { id: string }[] };
    expect(listed.faults).toHaveLength(2);
    await fetch(`${sandbox.url}/sandbox/api/faults/${listed.faults[0]?.id}`, { method: "DELETE" });
    expect(((await (await fetch(`${sandbox.url}/sandbox/api/faults`)).json()) as { faults: unknown[] }).faults).toHaveLength(1);
    await fetch(`${sandbox.url}/sandbox/api/faults`, { method: "DELETE" });
    expect(((await (await fetch(`${sandbox.url}/sandbox/api/faults`)).json()) as { faults: unknown[] }).faults).toHaveLength(0);
  });
});

describe("call log", () => {
  it("counts calls per endpoint with their errcode and never shows a token", async () => {
    const token = await getComponentToken(sandbox);
    await api(sandbox, "api_component_token", tokenBody("ticket@@@bogus"));
    await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token });
    const response = await fetch(`${sandbox.url}/sandbox/api/calls?endpoint=api_component_token`);
    const text = await response.text();
    const body = JSON.parse(text) as { total: number; calls: { endpoint: string; errcode: number }[] };
    expect(body.total).toBe(2);
    expect(body.calls.map((call) => [call.endpoint, call.errcode])).toEqual([
      ["api_component_token", 0],
      ["api_component_token", 61006],
    ]);
    const everything = await (await fetch(`${sandbox.url}/sandbox/api/calls`)).text();
    expect(everything).not.toContain(token);
    expect(await (await fetch(`${sandbox.url}/sandbox/api/state`)).text()).not.toContain(token);
  });
});

describe("new accounts", () => {
  it("creates an account nobody has authorized, listed with the rest, authorizable, gone after a reset", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/api/accounts`, {
      method: "POST",
      body: JSON.stringify({ kind: "mini_program", nickName: "测试专用小程序" }),
    });
    expect(response.status).toBe(201);
    const { account } = (await response.json()) as { account: { appid: string; kind: string; nickName: string; permissionSets: number[] } };
    expect(account).toMatchObject({ kind: "mini_program", nickName: "测试专用小程序" });
    expect(account.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(account.permissionSets.length).toBeGreaterThan(0);

    const listed = (await (await fetch(`${sandbox.url}/sandbox/api/accounts`)).json()) as { accounts: { appid: string }[] };
    expect(listed.accounts.map((entry) => entry.appid)).toContain(account.appid);
    expect(sandbox.state.findAuthorization(account.appid)).toBeUndefined();
    await control(sandbox, "authorize", { appid: account.appid, push: false });
    expect(sandbox.state.findAuthorization(account.appid)).toMatchObject({ authorizerAppid: account.appid });
    expect(sandbox.state.findAuthorization(account.appid)?.revokedAt).toBeUndefined();

    await control(sandbox, "reset", { pushTicket: false });
    expect(sandbox.state.findAccount(account.appid)).toBeUndefined();
  });

  it("refuses an unknown kind or an empty name with 400 and creates nothing", async () => {
    const before = sandbox.state.listAccounts().length;
    for (const body of [{ kind: "channels" }, { kind: "official_account", nickName: "" }, {}]) {
      const response = await fetch(`${sandbox.url}/sandbox/api/accounts`, { method: "POST", body: JSON.stringify(body) });
      expect(response.status).toBe(400);
    }
    expect(sandbox.state.listAccounts()).toHaveLength(before);
  });
});

describe("reset and state", () => {
  it("reset forgets everything issued; accounts stay the same", async () => {
    const token = await getComponentToken(sandbox);
    const accountsBefore = sandbox.state.listAccounts().map((account) => account.appid);
    await control(sandbox, "authorize", { appid: accountsBefore[0], push: false });
    await control(sandbox, "reset", { pushTicket: false });
    expectWeChatError(
      await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token }),
      40001,
    );
    const state = (await (await fetch(`${sandbox.url}/sandbox/api/state`)).json()) as { authorizations: unknown[] };
    expect(state.authorizations).toEqual([]);
    expect(sandbox.state.listAccounts().map((account) => account.appid)).toEqual(accountsBefore);
  });

  it("seeds the same accounts for the same seed and others for another", async () => {
    const other = await startTestSandbox({ seed: "another" });
    const same = await startTestSandbox();
    try {
      expect(same.state.listAccounts()).toEqual(sandbox.state.listAccounts());
      expect(other.state.listAccounts()[0]?.appid).not.toBe(sandbox.state.listAccounts()[0]?.appid);
      const kinds = new Set(sandbox.state.listAccounts().map((account) => account.kind));
      expect(kinds).toEqual(new Set(["official_account", "mini_program", "channels", "promoter"]));
      const officialAccounts = sandbox.state
        .listAccounts()
        .filter((account) => account.kind === "official_account" && !account.releaseTest);
      expect(new Set(officialAccounts.map((account) => account.serviceTypeId))).toEqual(new Set([0, 1, 2]));
      expect(new Set(officialAccounts.map((account) => account.verifyTypeId)).has(-1)).toBe(true);
    } finally {
      await other.close();
      await same.close();
    }
  });

  it("a state file carries tokens and authorizations across restarts", async () => {
    const directory = mkdtempSync(join(tmpdir(), "sandbox-state-"));
    const stateFile = join(directory, "state.json");
    try {
      const first = await startTestSandbox({ stateFile });
      const account = firstAccount(first, "official_account");
      const token = await getComponentToken(first);
      await control(first, "authorize", { appid: account.appid, push: false });
      await first.close();

      const second = await startTestSandbox({ stateFile });
      try {
        const answer = await api(
          second,
          "api_get_authorizer_info",
          { component_appid: COMPONENT.appid, authorizer_appid: account.appid },
          { component_access_token: token },
        );
        expect((answer.authorizer_info as { nick_name: string }).nick_name).toBe(account.nickName);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("advances the clock on request", async () => {
    const token = await getComponentToken(sandbox);
    await control(sandbox, "clock/advance", { seconds: 7200 });
    expectWeChatError(
      await api(sandbox, "api_create_preauthcode", { component_appid: COMPONENT.appid }, { component_access_token: token }),
      42001,
    );
  });

  it("serves the control page with the authorizations and a revoke button", async () => {
    const account = firstAccount(sandbox, "official_account");
    await control(sandbox, "authorize", { appid: account.appid, push: false });
    const page = await (await fetch(`${sandbox.url}/sandbox`)).text();
    expect(page).toContain(account.nickName);
    expect(page).toContain('action="/sandbox/api/revoke"');
    const form = new URLSearchParams({ appid: account.appid });
    const revoked = await fetch(`${sandbox.url}/sandbox/api/revoke`, { method: "POST", body: form, redirect: "manual" });
    expect(revoked.status).toBe(303);
    expect(sandbox.state.findAuthorization(account.appid)?.revokedAt).toBeDefined();
  });
});

describe("configuration", () => {
  it("defaults to the portal's demo component", () => {
    const config = resolveConfig({});
    expect(config.component).toEqual(DEMO_COMPONENT);
    expect(config.port).toBe(3100);
    expect(config.ticketIntervalSeconds).toBe(600);
  });

  it("reads SANDBOX_* variables and scales the ticket interval with the clock unless set", () => {
    const options = readSandboxEnv({
      SANDBOX_PORT: "3201",
      SANDBOX_CLOCK: "600",
      SANDBOX_AUTH_DOMAIN: "localhost:3200",
      SANDBOX_FAULTS: '[{"kind":"latency","ms":5}]',
    });
    const config = resolveConfig(options);
    expect(config).toMatchObject({
      port: 3201,
      clock: 600,
      authDomain: "localhost:3200",
      ticketIntervalSeconds: 1,
      faults: [{ kind: "latency", ms: 5 }],
    });
    expect(resolveConfig(readSandboxEnv({ SANDBOX_CLOCK: "600", SANDBOX_TICKET_INTERVAL_S: "30" })).ticketIntervalSeconds).toBe(30);
  });

  it("rejects bad variables with a readable message", () => {
    expect(() => readSandboxEnv({ SANDBOX_MESSAGE_URL: "http://x/messages", SANDBOX_COMPONENT_AES_KEY: "short" })).toThrow(
      /SANDBOX_MESSAGE_URL[\s\S]*SANDBOX_COMPONENT_AES_KEY|SANDBOX_COMPONENT_AES_KEY[\s\S]*SANDBOX_MESSAGE_URL/,
    );
    expect(() => readSandboxEnv({ SANDBOX_FAULTS: "[{" })).toThrow(/SANDBOX_FAULTS/);
  });
});
