// Sandbox configuration: one typed object, read from the environment in one place (readSandboxEnv) and
// overridable field by field by startSandbox() callers (tests, the demo launcher).
import { z } from "zod";
import { DEMO_COMPONENT } from "../lib/wechat/demo-component";

export const FAULT_KINDS = ["latency", "http5xx", "hang", "errcode-1", "drop-push", "duplicate-push"] as const;

export const faultSpecSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  endpoint: z.string().min(1).optional(),
  share: z.number().min(0).max(1).optional(),
  ms: z.number().int().min(0).max(600_000).optional(),
  count: z.number().int().min(1).optional(),
});

export type FaultSpec = z.infer<typeof faultSpecSchema>;

/** Daily limits per API (per component, or per authorizer for authorizer APIs). Real WeChat's are larger. */
export const DEFAULT_QUOTAS: Record<string, number> = {
  api_component_token: 2000,
  api_create_preauthcode: 5000,
  api_query_auth: 5000,
  api_authorizer_token: 5000,
  api_get_authorizer_info: 10000,
  api_get_authorizer_list: 10000,
  get_authorizer_option: 10000,
  set_authorizer_option: 10000,
  getticket: 10000,
  custom_send: 100000,
};

export type SandboxConfig = {
  port: number;
  /** Interface to bind; omitted binds every interface like `next dev`. */
  host?: string;
  component: { appid: string; appsecret: string; token: string; encodingAesKey: string };
  eventUrl: string;
  /** Per-authorizer message URL with `$APPID$` in it. */
  messageUrl: string;
  /** Real seconds between ticket pushes; 0 disables the timer. */
  ticketIntervalSeconds: number;
  pushTicketOnStart: boolean;
  /** Speed factor for every WeChat lifetime (600: a 600 s code lives 1 s). */
  clock: number;
  /** host[:port] the authorization pages must be opened from (授权发起页域名). */
  authDomain: string;
  /** How browsers reach the sandbox; default http://localhost:<port>. */
  publicUrl?: string;
  seed: string;
  stateFile?: string;
  faults: FaultSpec[];
  pushTimeoutMs: number;
  pushRetries: number;
  pushRetryDelayMs: number;
  /** How long one try of an authorizer message waits for the message URL's answer (WeChat: 5 s). */
  messageTimeoutMs: number;
  /** Retries of an authorizer message after the first try (WeChat: 3). */
  messageRetries: number;
  /** Pause between tries of an authorizer message. */
  messageRetryDelayMs: number;
  /** Rotate the authorizer refresh token every N refreshes (0: never). */
  rotateRefreshEvery: number;
  quotas: Record<string, number>;
  /** How long the release check waits for the QUERY_AUTH_CODE custom message. */
  releaseCheckWaitMs: number;
};

export const DEFAULT_CONFIG: SandboxConfig = {
  port: 3100,
  component: { ...DEMO_COMPONENT },
  eventUrl: "http://localhost:3000/api/wechat/component/events",
  messageUrl: "http://localhost:3000/api/wechat/messages/$APPID$",
  ticketIntervalSeconds: 600,
  pushTicketOnStart: true,
  clock: 1,
  authDomain: "localhost:3000",
  seed: "sandbox",
  faults: [],
  pushTimeoutMs: 5000,
  pushRetries: 3,
  pushRetryDelayMs: 1000,
  messageTimeoutMs: 5000,
  messageRetries: 3,
  messageRetryDelayMs: 1000,
  rotateRefreshEvery: 5,
  quotas: DEFAULT_QUOTAS,
  releaseCheckWaitMs: 10_000,
};

export type SandboxOptions = Partial<Omit<SandboxConfig, "component">> & {
  component?: Partial<SandboxConfig["component"]>;
};

export function resolveConfig(options: SandboxOptions = {}): SandboxConfig {
  const { component, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const clock = options.clock ?? DEFAULT_CONFIG.clock;
  return {
    ...DEFAULT_CONFIG,
    // The ten-minute push interval is a WeChat lifetime too: scale it unless set explicitly.
    ticketIntervalSeconds: DEFAULT_CONFIG.ticketIntervalSeconds / clock,
    ...defined,
    component: { ...DEFAULT_CONFIG.component, ...stripUndefined(component ?? {}) },
    quotas: { ...DEFAULT_QUOTAS, ...(options.quotas ?? {}) },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

const booleanish = z
  .enum(["1", "0", "true", "false", "yes", "no"])
  .transform((value) => value === "1" || value === "true" || value === "yes");

const jsonString = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, context): z.infer<T> => {
    try {
      return schema.parse(JSON.parse(text));
    } catch (error) {
      context.addIssue({ code: "custom", message: `invalid JSON: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SANDBOX_HOST: z.string().min(1).optional(),
  SANDBOX_COMPONENT_APPID: z
    .string()
    .regex(/^wx[0-9a-f]{16}$/i, "a wx... appid")
    .optional(),
  SANDBOX_COMPONENT_APPSECRET: z.string().min(1).optional(),
  SANDBOX_COMPONENT_TOKEN: z.string().min(1).optional(),
  SANDBOX_COMPONENT_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, "43 base64 characters")
    .optional(),
  SANDBOX_EVENT_URL: z.url().optional(),
  SANDBOX_MESSAGE_URL: z.string().includes("$APPID$", { message: "must contain $APPID$" }).optional(),
  SANDBOX_TICKET_INTERVAL_S: z.coerce.number().min(0).optional(),
  SANDBOX_PUSH_TICKET_ON_START: booleanish.optional(),
  SANDBOX_CLOCK: z.coerce.number().positive().optional(),
  SANDBOX_AUTH_DOMAIN: z.string().min(1).optional(),
  SANDBOX_PUBLIC_URL: z.url().optional(),
  SANDBOX_SEED: z.string().min(1).optional(),
  SANDBOX_STATE_FILE: z.string().min(1).optional(),
  SANDBOX_FAULTS: jsonString(z.array(faultSpecSchema)).optional(),
  SANDBOX_PUSH_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  SANDBOX_PUSH_RETRIES: z.coerce.number().int().min(0).max(10).optional(),
  SANDBOX_PUSH_RETRY_DELAY_MS: z.coerce.number().int().min(0).optional(),
  SANDBOX_MESSAGE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  SANDBOX_MESSAGE_RETRIES: z.coerce.number().int().min(0).max(10).optional(),
  SANDBOX_MESSAGE_RETRY_DELAY_MS: z.coerce.number().int().min(0).optional(),
  SANDBOX_ROTATE_REFRESH_EVERY: z.coerce.number().int().min(0).optional(),
  SANDBOX_QUOTAS: jsonString(z.record(z.string(), z.number().int().min(0))).optional(),
  SANDBOX_RELEASE_CHECK_WAIT_MS: z.coerce.number().int().positive().optional(),
});

/** Reads SANDBOX_* variables; throws a readable error listing every bad one. */
export function readSandboxEnv(env: Record<string, string | undefined> = process.env): SandboxOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid sandbox configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.SANDBOX_PORT,
    host: e.SANDBOX_HOST,
    component: {
      appid: e.SANDBOX_COMPONENT_APPID,
      appsecret: e.SANDBOX_COMPONENT_APPSECRET,
      token: e.SANDBOX_COMPONENT_TOKEN,
      encodingAesKey: e.SANDBOX_COMPONENT_AES_KEY,
    },
    eventUrl: e.SANDBOX_EVENT_URL,
    messageUrl: e.SANDBOX_MESSAGE_URL,
    ticketIntervalSeconds: e.SANDBOX_TICKET_INTERVAL_S,
    pushTicketOnStart: e.SANDBOX_PUSH_TICKET_ON_START,
    clock: e.SANDBOX_CLOCK,
    authDomain: e.SANDBOX_AUTH_DOMAIN,
    publicUrl: e.SANDBOX_PUBLIC_URL,
    seed: e.SANDBOX_SEED,
    stateFile: e.SANDBOX_STATE_FILE,
    faults: e.SANDBOX_FAULTS,
    pushTimeoutMs: e.SANDBOX_PUSH_TIMEOUT_MS,
    pushRetries: e.SANDBOX_PUSH_RETRIES,
    pushRetryDelayMs: e.SANDBOX_PUSH_RETRY_DELAY_MS,
    messageTimeoutMs: e.SANDBOX_MESSAGE_TIMEOUT_MS,
    messageRetries: e.SANDBOX_MESSAGE_RETRIES,
    messageRetryDelayMs: e.SANDBOX_MESSAGE_RETRY_DELAY_MS,
    rotateRefreshEvery: e.SANDBOX_ROTATE_REFRESH_EVERY,
    quotas: e.SANDBOX_QUOTAS,
    releaseCheckWaitMs: e.SANDBOX_RELEASE_CHECK_WAIT_MS,
  };
}
