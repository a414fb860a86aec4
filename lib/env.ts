// Every setting the portal reads, validated once. Nothing else reads process.env for configuration.
import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { DEMO_COMPONENT, WECHAT_HOSTS } from "./wechat/demo-component";

const keyPattern = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/;

const schema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    DATA_DIR: z.string().min(1).default(".data"),
    /** Connections per process, and how long a request waits for one before it is answered 503. */
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(20),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    PUBLIC_BASE_URL: z.url().default("http://localhost:3000"),
    WECHAT_COMPONENT_APPID: z
      .string()
      .regex(/^wx[0-9a-f]{16}$/, "must look like wx followed by 16 hex digits")
      .optional(),
    WECHAT_COMPONENT_APPSECRET: z
      .string()
      .regex(/^[0-9a-zA-Z]{16,64}$/, "must be the component's AppSecret")
      .optional(),
    WECHAT_COMPONENT_TOKEN: z
      .string()
      .regex(/^[A-Za-z0-9]{3,32}$/, "must be 3-32 letters or digits, as WeChat requires")
      .optional(),
    WECHAT_COMPONENT_AES_KEY: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, "must be the 43-character EncodingAESKey")
      .optional(),
    WECHAT_API_BASE: z.url().default(WECHAT_HOSTS.api),
    WECHAT_MP_BASE: z.url().default(WECHAT_HOSTS.mp),
    WECHAT_OPEN_BASE: z.url().default(WECHAT_HOSTS.open),
    /** How far the signed timestamp of a push or message may be from our clock, either way. */
    WECHAT_PUSH_WINDOW_SECONDS: z.coerce.number().int().min(30).max(86_400).default(300),
    TOKEN_ENCRYPTION_KEY: z
      .string()
      .refine(
        (v) => v.split(",").every((k) => keyPattern.test(k.trim())),
        "must be one or more comma-separated id:base64 pairs, each key 32 bytes (first one encrypts), e.g. k1:<openssl rand -base64 32>",
      )
      .optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
    NODE_ENV: z.string().optional(),
    /** false: this process runs no background work (a web-only instance, a script, a benchmark). */
    JOBS_ENABLED: z.stringbool().default(true),
    /** Proxies in front of the portal that append to X-Forwarded-For; 0: the socket's address, the header is ignored. */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** bcrypt's cost for staff passwords (2^cost rounds). Tests lower it; production keeps 12 or more. */
    PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(15).default(12),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** true: webhook endpoints may be http and on loopback or private addresses (the demo, the tests). */
    WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
    /** How long one webhook delivery may take before it counts as failed. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
    /** How long a reply route may take; under WeChat's 5 s, after which the message goes async. */
    WEBHOOK_REPLY_TIMEOUT_MS: z.coerce.number().int().min(100).max(4_500).default(3_000),
    /** An endpoint whose every delivery failed this long is disabled (staff see why). */
    WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(72),
    /** Bearer token Prometheus sends to GET /api/metrics; unset: the endpoint is off (404). */
    METRICS_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]{16,256}$/, "must be 16-256 printable characters without spaces, e.g. openssl rand -hex 32")
      .optional(),
    /** Origins a link's return_url may point at, comma-separated (e.g. https://saas.example.com). */
    RETURN_URL_ORIGINS: z
      .string()
      .refine(
        (v) => v.split(",").every((o) => URL.canParse(o.trim()) && new URL(o.trim()).origin === o.trim().replace(/\/+$/, "")),
        "must be comma-separated origins like https://saas.example.com (scheme, host and port only)",
      )
      .optional(),
  })
  .superRefine((env, ctx) => {
    if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_PASSWORD"], message: "ADMIN_EMAIL and ADMIN_PASSWORD go together" });
    }
    // A production server that talks to the real WeChat must never run on demo credentials or
    // generated keys, whichever database it uses. Only a server pointed at the sandbox (the demo,
    // the e2e tests) may fall back to them.
    if (env.NODE_ENV !== "production" || !talksToRealWeChat(env)) return;
    if (env.PASSWORD_HASH_COST < 10)
      ctx.addIssue({ code: "custom", path: ["PASSWORD_HASH_COST"], message: "must be at least 10 in production" });
    for (const name of [
      "WECHAT_COMPONENT_APPID",
      "WECHAT_COMPONENT_APPSECRET",
      "WECHAT_COMPONENT_TOKEN",
      "WECHAT_COMPONENT_AES_KEY",
      "TOKEN_ENCRYPTION_KEY",
      "AUTH_SECRET",
    ] as const) {
      if (!env[name])
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is required in production (NODE_ENV=production talking to WeChat's hosts)",
        });
    }
  });

function talksToRealWeChat(env: { WECHAT_API_BASE: string; WECHAT_MP_BASE: string; WECHAT_OPEN_BASE: string }): boolean {
  return [env.WECHAT_API_BASE, env.WECHAT_MP_BASE, env.WECHAT_OPEN_BASE].some((base) =>
    Object.values(WECHAT_HOSTS).some((host) => new URL(base).host === new URL(host).host),
  );
}

export type EncryptionKey = { id: string; key: Buffer };

export type Env = {
  databaseUrl?: string;
  embedded: boolean;
  dataDir: string;
  /** The embedded PostgreSQL server's data folder (used when DATABASE_URL is unset). */
  embeddedDataDir: string;
  databasePool: { max: number; connectTimeoutMs: number };
  publicBaseUrl: string;
  component: { appid: string; appsecret: string; token: string; encodingAesKey: string };
  wechat: { apiBase: string; mpBase: string; openBase: string };
  /** Pushes and messages signed further than this from now are refused as replays. */
  pushWindowSeconds: number;
  /** First key encrypts; all of them decrypt. */
  encryptionKeys: [EncryptionKey, ...EncryptionKey[]];
  authSecret: string;
  admin?: { email: string; password: string };
  logLevel: z.infer<typeof schema>["LOG_LEVEL"];
  jobsEnabled: boolean;
  /** How many X-Forwarded-For entries, counted from the right, our own proxies appended (lib/client-address.ts). */
  trustedProxyHops: number;
  passwordHashCost: number;
  /** The bearer token of GET /api/metrics; undefined: metrics are not served. */
  metricsToken?: string;
  hub: {
    allowPrivateWebhooks: boolean;
    deliveryTimeoutMs: number;
    replyTimeoutMs: number;
    disableAfterMs: number;
    /** Origins a return_url may use; empty: no return_url is accepted. */
    returnUrlOrigins: string[];
  };
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example.`);
    this.name = "EnvError";
  }
}

const trimUrl = (url: string) => url.replace(/\/+$/, "");

function parseKeys(value: string): [EncryptionKey, ...EncryptionKey[]] {
  const keys = value.split(",").map((pair) => {
    const [id, b64] = pair.trim().split(":") as [string, string];
    return { id, key: Buffer.from(b64, "base64") };
  });
  return keys as [EncryptionKey, ...EncryptionKey[]];
}

/** Keys the embedded default generates once and keeps beside its database, so a restart can decrypt. */
function loadEmbeddedSecrets(dataDir: string): { TOKEN_ENCRYPTION_KEY: string; AUTH_SECRET: string } {
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const secrets = {
    TOKEN_ENCRYPTION_KEY: `local1:${randomBytes(32).toString("base64")}`,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings (from a half-filled .env) mean "unset".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(env)"} ${i.message}`));
  }
  const env = result.data;
  const dataDir = resolve(env.DATA_DIR);
  const needsGenerated = !env.TOKEN_ENCRYPTION_KEY || !env.AUTH_SECRET;
  const generated = needsGenerated ? loadEmbeddedSecrets(dataDir) : undefined;
  return {
    databaseUrl: env.DATABASE_URL,
    embedded: !env.DATABASE_URL,
    dataDir,
    embeddedDataDir: join(dataDir, "postgres"),
    databasePool: { max: env.DATABASE_POOL_MAX, connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS },
    publicBaseUrl: trimUrl(env.PUBLIC_BASE_URL),
    component: {
      appid: env.WECHAT_COMPONENT_APPID ?? DEMO_COMPONENT.appid,
      appsecret: env.WECHAT_COMPONENT_APPSECRET ?? DEMO_COMPONENT.appsecret,
      token: env.WECHAT_COMPONENT_TOKEN ?? DEMO_COMPONENT.token,
      encodingAesKey: env.WECHAT_COMPONENT_AES_KEY ?? DEMO_COMPONENT.encodingAesKey,
    },
    wechat: {
      apiBase: trimUrl(env.WECHAT_API_BASE),
      mpBase: trimUrl(env.WECHAT_MP_BASE),
      openBase: trimUrl(env.WECHAT_OPEN_BASE),
    },
    pushWindowSeconds: env.WECHAT_PUSH_WINDOW_SECONDS,
    encryptionKeys: parseKeys(env.TOKEN_ENCRYPTION_KEY ?? generated!.TOKEN_ENCRYPTION_KEY),
    authSecret: env.AUTH_SECRET ?? generated!.AUTH_SECRET,
    admin: env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : undefined,
    logLevel: env.LOG_LEVEL,
    jobsEnabled: env.JOBS_ENABLED,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
    passwordHashCost: env.PASSWORD_HASH_COST,
    metricsToken: env.METRICS_TOKEN,
    hub: {
      allowPrivateWebhooks: env.WEBHOOK_ALLOW_PRIVATE,
      deliveryTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
      replyTimeoutMs: env.WEBHOOK_REPLY_TIMEOUT_MS,
      disableAfterMs: env.WEBHOOK_DISABLE_AFTER_HOURS * 60 * 60_000,
      returnUrlOrigins: (env.RETURN_URL_ORIGINS ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter((o) => o !== "")
        .map((o) => new URL(o).origin),
    },
  };
}

const cache = globalThis as unknown as { __portalEnv?: Env };

/** The validated configuration of this process. */
export function getEnv(): Env {
  cache.__portalEnv ??= parseEnv(process.env);
  return cache.__portalEnv;
}

/** For processes that start the portal: print what is wrong, by name, and stop. */
export function getEnvOrExit(): Env {
  try {
    return getEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
