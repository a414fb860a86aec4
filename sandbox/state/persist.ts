// Optional persistence (SANDBOX_STATE_FILE): the state is written, debounced and atomically, after changes,
// and read back at start, so a restarted sandbox still honours the tokens and codes it issued.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { SandboxState } from "./store";
import type { PersistedState } from "./types";

const SAVE_DELAY_MS = 200;

export function readStateFile(path: string): PersistedState | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as PersistedState;
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** Saves on change (debounced); `flush` writes now, for shutdown. */
export function attachStateFile(args: { state: SandboxState; path: string; logger: Logger }): { flush(): void; detach(): void } {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    timer = undefined;
    try {
      writeAtomically(args.path, JSON.stringify(args.state.data));
    } catch (error) {
      args.logger.error({ err: error, path: args.path }, "could not save sandbox state");
    }
  };
  const detach = args.state.onChange(() => {
    if (timer) return;
    timer = setTimeout(save, SAVE_DELAY_MS);
    timer.unref();
  });
  return {
    flush: () => {
      if (timer) clearTimeout(timer);
      save();
    },
    detach,
  };
}
