// The WeChat sandbox in-process on a free port, with the portal's settings pointed at it.
import pino from "pino";
import { startSandbox, type SandboxHandle, type StartSandboxOptions } from "@/sandbox/server";

export type TestSandbox = SandboxHandle;

/** Forget cached settings and clients so the next use reads process.env again. */
export function resetPortalCaches(): void {
  const g = globalThis as Record<string, unknown>;
  delete g.__portalEnv;
  delete g.__portalWechatApi;
}

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    port: 0,
    pushTicketOnStart: false,
    ticketIntervalSeconds: 0,
    pushRetryDelayMs: 20,
    logger: pino({ level: "silent" }),
    ...options,
  });
  process.env.WECHAT_API_BASE = sandbox.url;
  process.env.WECHAT_MP_BASE = sandbox.url;
  process.env.WECHAT_OPEN_BASE = sandbox.url;
  resetPortalCaches();
  return sandbox;
}

type Call = { id: number; endpoint: string; errcode: number };

/** The sandbox's log of API calls, optionally for one endpoint (e.g. "api_component_token"). */
export async function sandboxCalls(sandbox: TestSandbox, endpoint?: string): Promise<Call[]> {
  const url = new URL("/sandbox/api/calls", sandbox.url);
  if (endpoint) url.searchParams.set("endpoint", endpoint);
  const body = (await (await fetch(url)).json()) as { calls: Call[] };
  return body.calls;
}

export async function sandboxControl<T = Record<string, unknown>>(sandbox: TestSandbox, path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(new URL(`/sandbox/api/${path}`, sandbox.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * What a merchant's admin does on the phone: open the H5 link (from the allowed domain), pick
 * `appid`, keep `funcIds` ticked (all offered when omitted), confirm. Returns where WeChat sends
 * the browser back (redirect_uri?auth_code=...).
 */
export async function confirmOnPhone({
  h5Link,
  appid,
  funcIds,
  referer = "http://localhost:3000/authorize",
}: {
  h5Link: string;
  appid: string;
  funcIds?: number[];
  referer?: string;
}): Promise<URL> {
  const page = await fetch(h5Link.replace(/#.*$/, ""), { headers: { referer } });
  const html = await page.text();
  if (!page.ok) throw new Error(`bindcomponent refused (${page.status}): ${html.slice(0, 300)}`);
  const session = /\/sandbox\/phone\/([A-Za-z0-9_-]+)/.exec(html)?.[1];
  if (!session) throw new Error("no session in the bindcomponent page");
  const base = new URL(h5Link).origin;
  let ids = funcIds;
  if (!ids) {
    const sets = await (await fetch(`${base}/sandbox/phone/${session}/account/${appid}`)).text();
    ids = [...sets.matchAll(/name="func" value="(\d+)"/g)].map((m) => Number(m[1]));
  }
  const form = new URLSearchParams({ appid });
  for (const id of ids) form.append("func", String(id));
  const confirm = await fetch(`${base}/sandbox/phone/${session}/confirm`, { method: "POST", body: form, redirect: "manual" });
  const location = confirm.headers.get("location");
  if (confirm.status !== 302 || !location) throw new Error(`confirm failed (${confirm.status}): ${(await confirm.text()).slice(0, 300)}`);
  return new URL(location);
}
