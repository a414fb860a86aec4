// Optional persistence (SANDBOX_STATE_FILE): the state and the clock are written after changes (throttled,
// atomically: temp file, fsync, rename) and at close or process exit, and read back at start, so a restarted
// sandbox still honours the tokens and codes it issued. A file that cannot be used (truncated, not a sandbox
// state, another seed) is renamed aside, never deleted or overwritten, and the sandbox starts fresh.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../core/clock";
import type { SandboxState } from "./store";
import type { StateFileContent } from "./types";

/** At most one write per this many milliseconds; the first change after a quiet spell is written at once. */
const SAVE_INTERVAL_MS = 200;

const times = { createdAt: z.number(), expiresAt: z.number() };
const tokenOrigin = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("query_auth"), code: z.string() }),
  z.object({ kind: z.literal("refresh") }),
]);

const stateFileSchema = z.object({
  version: z.literal(1),
  seed: z.string(),
  savedAt: z.string().optional(),
  clock: z.object({ offsetMs: z.number(), speed: z.number().positive() }).optional(),
  registeredAccounts: z.array(
    z.object({
      appid: z.string(),
      kind: z.enum(["official_account", "mini_program", "channels", "promoter"]),
      nickName: z.string(),
      userName: z.string(),
      alias: z.string(),
      principalName: z.string(),
      signature: z.string(),
      serviceTypeId: z.union([z.literal(0), z.literal(1), z.literal(2)]),
      verifyTypeId: z.union([z.literal(-1), z.literal(0), z.literal(3)]),
      avatarColor: z.string(),
      releaseTest: z.boolean(),
      miniProgram: z
        .object({ categories: z.array(z.object({ first: z.string(), second: z.string() })), requestDomain: z.string() })
        .optional(),
    }),
  ),
  tickets: z.array(z.object({ value: z.string(), ...times })),
  componentTokens: z.array(z.object({ value: z.string(), ...times, naturalExpiresAt: z.number() })),
  preAuthCodes: z.array(z.object({ value: z.string(), ...times, usedAt: z.number().optional() })),
  authCodes: z.array(
    z.object({
      value: z.string(),
      authorizerAppid: z.string(),
      funcIds: z.array(z.number().int()),
      preAuthCode: z.string().optional(),
      source: z.enum(["merchant", "control", "release-check", "permission-change", "fasteregister"]),
      ...times,
      usedAt: z.number().optional(),
    }),
  ),
  authorizations: z.array(
    z.object({
      authorizerAppid: z.string(),
      funcIds: z.array(z.number().int()),
      refreshToken: z.string(),
      previousRefreshToken: z.object({ value: z.string(), validUntil: z.number() }).optional(),
      refreshCount: z.number().int(),
      authTimeUnix: z.number(),
      revokedAt: z.number().optional(),
      options: z.record(z.string(), z.string()),
    }),
  ),
  authorizerTokens: z.array(
    z.object({ value: z.string(), authorizerAppid: z.string(), ...times, naturalExpiresAt: z.number(), origin: tokenOrigin }),
  ),
  jsapiTickets: z.array(z.object({ value: z.string(), authorizerAppid: z.string(), ...times })),
  sessions: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(["pc", "h5"]),
      preAuthCode: z.string(),
      redirectUri: z.string(),
      authType: z.number().int(),
      bizAppid: z.string().optional(),
      categoryIds: z.array(z.number().int()).optional(),
      status: z.enum(["waiting", "scanned", "confirmed", "cancelled"]),
      createdAt: z.number(),
      authorizerAppid: z.string().optional(),
      redirectTo: z.string().optional(),
    }),
  ),
  quota: z.object({ startedAt: z.number(), counts: z.record(z.string(), z.number()) }),
  quotaLimits: z.record(z.string(), z.number()),
  clearQuotaUses: z.array(z.number()),
  faults: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(["latency", "http5xx", "hang", "errcode-1", "drop-push", "duplicate-push"]),
      endpoint: z.string().optional(),
      share: z.number().min(0).max(1),
      ms: z.number().optional(),
      remaining: z.number().optional(),
      hits: z.number(),
    }),
  ),
  customMessages: z.array(z.object({ at: z.number(), authorizerAppid: z.string(), tokenOrigin, body: z.unknown() })),
}) satisfies z.ZodType<StateFileContent>;

export type StateFileRead =
  | { status: "missing" }
  | { status: "loaded"; content: StateFileContent }
  /** The file is there but could not be read (permissions, a directory): it may be fine, leave it alone. */
  | { status: "unreadable"; reason: string }
  /** Read, but not a state this sandbox can use: set it aside. */
  | { status: "invalid"; reason: string };

export function readStateFile(path: string, expected: { seed: string }): StateFileRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing" };
    return { status: "unreadable", reason: (error as Error).message };
  }
  if (text.trim() === "") return { status: "invalid", reason: "the file is empty" };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { status: "invalid", reason: `not JSON, truncated or corrupt: ${(error as Error).message}` };
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`);
    return { status: "invalid", reason: `not a sandbox state: ${issues.join("; ")}` };
  }
  if (parsed.data.seed !== expected.seed) {
    return { status: "invalid", reason: `written for SANDBOX_SEED "${parsed.data.seed}", this sandbox runs "${expected.seed}"` };
  }
  return { status: "loaded", content: parsed.data };
}

/** Renames a bad state file to `<path>.bad-<time>` (never over an existing file); returns the new path. */
export function setStateFileAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  let target = `${path}.bad-${stamp}`;
  for (let attempt = 2; existsSync(target); attempt += 1) target = `${path}.bad-${stamp}-${attempt}`;
  renameSync(path, target);
  return target;
}

/**
 * Reads the state file for a start, reporting (with the file's path) anything but a clean load.
 * `persist: false` when the file must be left as it is and this run stays in memory.
 */
export function openStateFile(args: { path: string; seed: string; logger: Logger }): { content?: StateFileContent; persist: boolean } {
  const { path, logger } = args;
  const read = readStateFile(path, { seed: args.seed });
  switch (read.status) {
    case "missing":
      logger.info({ path }, `no sandbox state file at ${path} yet: starting fresh`);
      return { persist: true };
    case "loaded":
      return { content: read.content, persist: true };
    case "unreadable":
      logger.error(
        { path, reason: read.reason },
        `sandbox state file ${path} cannot be read (${read.reason}); left untouched, this run keeps its state in memory only`,
      );
      return { persist: false };
    case "invalid":
      try {
        const movedTo = setStateFileAside(path);
        logger.error(
          { path, movedTo, reason: read.reason },
          `sandbox state file ${path} is unusable (${read.reason}); moved it to ${movedTo} and starting fresh`,
        );
        return { persist: true };
      } catch (error) {
        logger.error(
          { path, reason: read.reason, err: error },
          `sandbox state file ${path} is unusable (${read.reason}) and could not be moved aside (${(error as Error).message}); left untouched, this run keeps its state in memory only`,
        );
        return { persist: false };
      }
  }
}

function writeAtomically(path: string, content: string): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  // Tokens live in here: readable by the owner only.
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  try {
    // The rename itself survives a power cut only once the directory is synced (not possible everywhere).
    const directoryFd = openSync(directory, "r");
    try {
      fsyncSync(directoryFd);
    } finally {
      closeSync(directoryFd);
    }
  } catch {
    // best effort
  }
}

/**
 * Saves the state and the clock now (so the file exists from the start), then after every change (at most
 * every SAVE_INTERVAL_MS), and on `flush` / process exit. `detach` stops listening without saving.
 */
export function attachStateFile(args: { state: SandboxState; clock: Clock; path: string; logger: Logger }): {
  flush(): void;
  detach(): void;
} {
  const { state, clock, path, logger } = args;
  let timer: NodeJS.Timeout | undefined;
  let dirty = true;
  let lastSaveAt = 0;
  let failing = false;

  const save = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    dirty = false;
    lastSaveAt = Date.now();
    const content: StateFileContent = {
      ...state.data,
      clock: { offsetMs: clock.offsetMs, speed: clock.speed },
      savedAt: new Date().toISOString(),
    };
    try {
      writeAtomically(path, JSON.stringify(content));
      if (failing) logger.info({ path }, `sandbox state saved to ${path} again`);
      failing = false;
    } catch (error) {
      dirty = true;
      // Once per failing spell, not once per change.
      if (!failing) logger.error({ err: error, path }, `could not save the sandbox state to ${path}`);
      failing = true;
    }
  };
  const flush = () => {
    if (dirty) save();
  };
  const stopListening = state.onChange(() => {
    dirty = true;
    if (timer) return;
    timer = setTimeout(save, Math.max(0, lastSaveAt + SAVE_INTERVAL_MS - Date.now()));
    timer.unref();
  });
  // process.exit() (the demo's, a second Ctrl+C) runs no more timers: write what is pending.
  process.on("exit", flush);
  save();

  return {
    flush,
    detach: () => {
      stopListening();
      process.off("exit", flush);
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
