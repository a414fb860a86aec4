// Shared test plumbing: an in-process sandbox on a random port, a tiny node:http "portal" that records
// what WeChat sends it, and shape comparison against WeChat's real response samples.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { expect } from "vitest";
import { DEMO_COMPONENT } from "../../lib/wechat/demo-component";
import { startSandbox, type SandboxHandle, type StartSandboxOptions } from "../server";

export const COMPONENT = DEMO_COMPONENT;

/** A port nothing listens on: pushes fail fast with ECONNREFUSED. */
export const NOWHERE = "http://127.0.0.1:9/events";

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({
    port: 0,
    eventUrl: NOWHERE,
    pushTicketOnStart: false,
    ticketIntervalSeconds: 0,
    pushRetryDelayMs: 5,
    logger: pino({ level: "silent" }),
    ...options,
  });
}

export type ReceivedRequest = { url: URL; query: Record<string, string>; body: string; at: number };

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
};

type Respond = (request: ReceivedRequest, index: number, response: ServerResponse) => void | Promise<void>;

/** A stand-in portal endpoint; `respond` decides each answer (default: `success`). */
export async function startReceiver(respond: Respond = (_request, _index, response) => void response.end("success")): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((incoming: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", "http://receiver");
      const request = { url, query: Object.fromEntries(url.searchParams), body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      requests.push(request);
      for (const waiter of waiters.filter((entry) => requests.length >= entry.count)) waiter.resolve();
      void Promise.resolve(respond(request, requests.length - 1, response)).catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (count, ms = 5000) =>
      new Promise((resolve, reject) => {
        if (requests.length >= count) return resolve(requests);
        const timer = setTimeout(() => reject(new Error(`receiver got ${requests.length}/${count} requests within ${ms} ms`)), ms);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(requests)) });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

/** Call a WeChat API on the sandbox: `api(sandbox, "api_create_preauthcode", body, { component_access_token })`. */
export function api(sandbox: SandboxHandle, path: string, body: unknown, query: Record<string, string> = {}) {
  const url = new URL(path.startsWith("/") ? path : `/cgi-bin/component/${path}`, sandbox.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return postJson(url.toString(), body);
}

export async function control(sandbox: SandboxHandle, path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  return postJson(`${sandbox.url}/sandbox/api/${path}`, body);
}

/** A ticket the sandbox pushed, read from its state (tests that need the portal's view use a receiver). */
export async function latestTicket(sandbox: SandboxHandle): Promise<string> {
  await sandbox.pushTicket();
  const ticket = sandbox.state.data.tickets.at(-1);
  if (!ticket) throw new Error("no ticket");
  return ticket.value;
}

export async function getComponentToken(sandbox: SandboxHandle): Promise<string> {
  const answer = await api(sandbox, "api_component_token", {
    component_appid: COMPONENT.appid,
    component_appsecret: COMPONENT.appsecret,
    component_verify_ticket: await latestTicket(sandbox),
  });
  if (typeof answer.component_access_token !== "string") throw new Error(`no token: ${JSON.stringify(answer)}`);
  return answer.component_access_token;
}

/** Authorize an account through the control API and exchange the code: what the portal does after a push. */
export async function authorizeAndQuery(sandbox: SandboxHandle, args: { appid: string; ids?: number[]; token?: string }) {
  const token = args.token ?? (await getComponentToken(sandbox));
  const granted = await control(sandbox, "authorize", { appid: args.appid, ...(args.ids ? { ids: args.ids } : {}), push: false });
  const answer = await api(
    sandbox,
    "api_query_auth",
    { component_appid: COMPONENT.appid, authorization_code: granted.auth_code },
    { component_access_token: token },
  );
  const info = answer.authorization_info as Record<string, unknown>;
  return {
    componentToken: token,
    authCode: String(granted.auth_code),
    accessToken: String(info.authorizer_access_token),
    refreshToken: String(info.authorizer_refresh_token),
    answer,
  };
}

export function accountsOf(sandbox: SandboxHandle, kind: string) {
  return sandbox.state.listAccounts().filter((account) => account.kind === kind && !account.releaseTest);
}

export function firstAccount(sandbox: SandboxHandle, kind: string) {
  const account = accountsOf(sandbox, kind)[0];
  if (!account) throw new Error(`no ${kind} account seeded`);
  return account;
}

type Shape = string | { [key: string]: Shape } | Shape[];

/** Keys and value types, recursively; arrays as the set of their element shapes. */
export function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) {
    const shapes = value.map(shapeOf);
    const unique = [...new Map(shapes.map((shape) => [JSON.stringify(shape), shape])).values()];
    return unique;
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return value === null ? "null" : typeof value;
}

/**
 * The sandbox's answer has exactly the sample's keys and types. Each array element must look like one of
 * the sample's elements; an empty sample array accepts any array.
 */
export function expectSameShape(actual: unknown, sample: unknown, path = "$"): void {
  if (Array.isArray(sample)) {
    expect(Array.isArray(actual), `${path} should be an array`).toBe(true);
    if (sample.length === 0) return;
    const allowed = shapeOf(sample) as Shape[];
    for (const [index, element] of (actual as unknown[]).entries()) {
      const shape = JSON.stringify(shapeOf(element));
      expect(
        allowed.map((entry) => JSON.stringify(entry)),
        `${path}[${index}] shape ${shape}`,
      ).toContain(shape);
    }
    return;
  }
  if (sample !== null && typeof sample === "object") {
    expect(actual !== null && typeof actual === "object" && !Array.isArray(actual), `${path} should be an object`).toBe(true);
    const actualRecord = actual as Record<string, unknown>;
    const sampleRecord = sample as Record<string, unknown>;
    expect(Object.keys(actualRecord).sort(), `${path} keys`).toEqual(Object.keys(sampleRecord).sort());
    for (const key of Object.keys(sampleRecord)) expectSameShape(actualRecord[key], sampleRecord[key], `${path}.${key}`);
    return;
  }
  expect(typeof actual, `${path} type`).toBe(typeof sample);
}

export const RID_PATTERN = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** `{errcode, errmsg}` with WeChat's errmsg text for that code and a ` rid: …` suffix. */
export function expectWeChatError(answer: Record<string, unknown>, errcode: number): void {
  expect(answer).toEqual({ errcode, errmsg: expect.stringMatching(RID_PATTERN) });
}

export function errmsgText(errmsg: unknown): string {
  return String(errmsg).replace(RID_PATTERN, "");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
