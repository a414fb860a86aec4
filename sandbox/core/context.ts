// What every part of the sandbox shares: configuration, clock, state, logger and the push machinery.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { MessageCrypto } from "../../lib/wechat/crypto";
import type { SandboxConfig } from "../config";
import type { SandboxState } from "../state/store";
import type { Clock } from "./clock";

export type SandboxEvents = {
  /** A custom/send call arrived (the release check waits for one). */
  customMessage: [];
};

export type SandboxContext = {
  config: SandboxConfig;
  clock: Clock;
  state: SandboxState;
  logger: Logger;
  crypto: MessageCrypto;
  events: EventEmitter<SandboxEvents>;
  /** How browsers reach the sandbox (known only once the port is bound). */
  publicUrl(): string;
  /** Aborted on close: in-flight pushes and hanging requests stop with it. */
  shutdown: AbortController;
};

export function createContext(args: Omit<SandboxContext, "crypto" | "events" | "shutdown">): SandboxContext {
  return {
    ...args,
    crypto: new MessageCrypto({
      token: args.config.component.token,
      encodingAesKey: args.config.component.encodingAesKey,
      appid: args.config.component.appid,
    }),
    events: new EventEmitter<SandboxEvents>(),
    shutdown: new AbortController(),
  };
}
