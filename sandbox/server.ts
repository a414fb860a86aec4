// startSandbox(): the programmatic entry point (tests, the demo launcher, main.ts). Port 0 picks a free port.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { createApp } from "./app";
import { resolveConfig, type SandboxConfig, type SandboxOptions } from "./config";
import { createClock } from "./core/clock";
import { createContext, type SandboxContext } from "./core/context";
import { pushVerifyTicket } from "./push/events";
import { attachStateFile, openStateFile } from "./state/persist";
import { SandboxState } from "./state/store";
import type { Delivery } from "./state/types";

export type SandboxHandle = {
  url: string;
  port: number;
  config: SandboxConfig;
  state: SandboxState;
  context: SandboxContext;
  /** Push a component_verify_ticket now; resolves when the delivery (with retries) is over. */
  pushTicket(): Promise<Delivery>;
  close(): Promise<void>;
};

export type StartSandboxOptions = SandboxOptions & { logger?: Logger };

export async function startSandbox(options: StartSandboxOptions = {}): Promise<SandboxHandle> {
  const { logger: givenLogger, ...rest } = options;
  const config = resolveConfig(rest);
  const logger = givenLogger ?? pino({ name: "wechat-sandbox", level: process.env.LOG_LEVEL ?? "info" });
  // A state file (if any) first: the clock goes on from the offset it was saved with.
  const opened = config.stateFile ? openStateFile({ path: config.stateFile, seed: config.seed, logger }) : undefined;
  const saved = opened?.content;
  const clock = createClock({ speed: config.clock, offsetMs: saved?.clock?.offsetMs ?? 0, onAdvance: () => state.changed() });
  const state = new SandboxState({
    seed: config.seed,
    faults: config.faults,
    quotaLimits: config.quotas,
    now: clock.now(),
    // What a portal got from an earlier run outlives a lost or reset state: never mint it again.
    randomness: config.stateFile ? "fresh" : "seeded",
  });
  state.reset(clock.now());

  let stateFile: ReturnType<typeof attachStateFile> | undefined;
  if (config.stateFile && opened) {
    if (saved) {
      const { clock: savedClock, savedAt, ...persisted } = saved;
      state.load(persisted, clock.now());
      state.prune(clock.now());
      logger.info(
        { path: config.stateFile, savedAt, clockOffsetMs: clock.offsetMs, authorizations: state.data.authorizations.length },
        `sandbox state loaded from ${config.stateFile}`,
      );
      if (savedClock && savedClock.speed !== config.clock) {
        logger.warn(
          { path: config.stateFile, savedSpeed: savedClock.speed, speed: config.clock },
          `sandbox state was saved with SANDBOX_CLOCK=${savedClock.speed}, now ${config.clock}: what was issued before keeps its old lifetimes`,
        );
      }
    }
    if (opened.persist) stateFile = attachStateFile({ state, clock, path: config.stateFile, logger });
  }

  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const context = createContext({ config, clock, state, logger, publicUrl: () => publicUrl });
  const app = createApp(context);

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const instance = serve({ fetch: app.fetch, port: config.port, ...(config.host ? { hostname: config.host } : {}) }, () =>
      resolve(instance),
    );
    instance.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  // Clients (fetch/undici) reuse idle connections until just before the server's keep-alive
  // timeout; on a loaded machine Node's 5 s default lets a reuse race the close (ECONNRESET).
  if ("keepAliveTimeout" in server) {
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 61_000;
  }
  publicUrl = (config.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, "");

  const pushTicket = () => pushVerifyTicket(context).delivery;
  if (config.pushTicketOnStart) void pushTicket();
  const interval =
    config.ticketIntervalSeconds > 0
      ? setInterval(() => {
          state.prune(clock.now());
          void pushTicket();
        }, config.ticketIntervalSeconds * 1000)
      : undefined;

  logger.info(
    {
      url: `http://localhost:${port}`,
      publicUrl,
      component: config.component.appid,
      eventUrl: config.eventUrl,
      clock: config.clock,
      ticketIntervalSeconds: config.ticketIntervalSeconds,
    },
    "WeChat sandbox listening",
  );

  let closed = false;
  return {
    url: `http://localhost:${port}`,
    port,
    config,
    state,
    context,
    pushTicket,
    close: async () => {
      if (closed) return;
      closed = true;
      if (interval) clearInterval(interval);
      context.shutdown.abort();
      // Saved before the server stops (in case the process dies meanwhile) and after (what the last
      // requests changed).
      stateFile?.flush();
      try {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
      } finally {
        stateFile?.flush();
        stateFile?.detach();
      }
    },
  };
}
