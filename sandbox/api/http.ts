// The shell around every WeChat API endpoint: faults first (WeChat's own infrastructure failing), then body
// parsing with WeChat's errcodes, the handler, and one line in the call log (tokens never logged).
import type { Context, Hono } from "hono";
import { sleep } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { ErrcodeReply, wechatError } from "../core/errors";
import { DEFAULT_FAULT_MS, describeFault, takeFaults } from "../faults/faults";

export type ApiRequest = {
  query: Record<string, string>;
  body: Record<string, unknown>;
};

export type ApiResult = { body: Record<string, unknown>; authorizerAppid?: string };

export type ApiHandler = (ctx: SandboxContext, request: ApiRequest) => ApiResult | Promise<ApiResult>;

export type ApiRoute = {
  method: "GET" | "POST";
  path: string;
  /** Name used by faults, quotas and the call log, e.g. `api_component_token`. */
  endpoint: string;
  handler: ApiHandler;
};

function waitUnlessAborted(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    }
    for (const signal of signals) signal.addEventListener("abort", done, { once: true });
  });
}

function parseBody(method: string, text: string): Record<string, unknown> {
  if (method === "GET") return {};
  if (text.trim() === "") throw new ErrcodeReply(44002);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ErrcodeReply(47001);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ErrcodeReply(47001);
  return parsed as Record<string, unknown>;
}

export function mountApi(app: Hono, ctx: SandboxContext, route: ApiRoute): void {
  const handle = async (c: Context) => {
    const started = performance.now();
    const faults = takeFaults(ctx, { scope: "api", endpoint: route.endpoint });
    const faultLabel = faults.length > 0 ? faults.map(describeFault).join(",") : undefined;
    const record = (args: { errcode: number; httpStatus: number; authorizerAppid?: string }) =>
      ctx.state.recordCall({
        at: new Date().toISOString(),
        endpoint: route.endpoint,
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        durationMs: Math.round(performance.now() - started),
        ...(faultLabel ? { fault: faultLabel } : {}),
        ...args,
      });

    for (const fault of faults) {
      if (fault.kind === "latency") await sleep(fault.ms ?? DEFAULT_FAULT_MS.latency);
      if (fault.kind === "hang") {
        // Hold the request past the caller's timeout; stop early if the caller gives up or we shut down.
        await waitUnlessAborted(fault.ms ?? DEFAULT_FAULT_MS.hang, [c.req.raw.signal, ctx.shutdown.signal]);
      }
    }
    if (faults.some((fault) => fault.kind === "http5xx")) {
      record({ errcode: -1, httpStatus: 503 });
      return c.html(
        "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
        503,
      );
    }
    if (faults.some((fault) => fault.kind === "errcode-1")) {
      record({ errcode: -1, httpStatus: 200 });
      return c.json(wechatError(-1));
    }

    try {
      const body = parseBody(c.req.method, await c.req.text());
      const result = await route.handler(ctx, { query: c.req.query(), body });
      const errcode = typeof result.body.errcode === "number" ? result.body.errcode : 0;
      record({ errcode, httpStatus: 200, ...(result.authorizerAppid ? { authorizerAppid: result.authorizerAppid } : {}) });
      return c.json(result.body);
    } catch (error) {
      if (error instanceof ErrcodeReply) {
        record({ errcode: error.errcode, httpStatus: 200 });
        return c.json(error.toBody());
      }
      ctx.logger.error({ err: error, endpoint: route.endpoint }, "sandbox API handler crashed");
      record({ errcode: -1, httpStatus: 200 });
      return c.json(wechatError(-1));
    }
  };
  if (route.method === "GET") app.get(route.path, handle);
  else app.post(route.path, handle);
}

/** A string field of the JSON body, or undefined (WeChat ignores wrongly typed fields as missing). */
export function readString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}
