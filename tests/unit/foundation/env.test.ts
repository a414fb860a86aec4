import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { DEMO_COMPONENT, WECHAT_HOSTS } from "@/lib/wechat/demo-component";

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString("base64")}`;
const tempDir = () => mkdtempSync(join(tmpdir(), "env-"));

describe("configuration", () => {
  it("runs the embedded demo with nothing set: demo component, real WeChat hosts, keys generated once", () => {
    const dataDir = tempDir();
    const env = parseEnv({ DATA_DIR: dataDir });
    expect(env.embedded).toBe(true);
    expect(env.component.appid).toBe(DEMO_COMPONENT.appid);
    expect(env.wechat.apiBase).toBe(WECHAT_HOSTS.api);
    expect(env.embeddedDataDir).toBe(join(dataDir, "postgres"));
    expect(env.encryptionKeys[0].key).toHaveLength(32);
    expect(existsSync(join(dataDir, "secrets.json"))).toBe(true);
    // A restart reads the same keys back: data sealed before stays readable.
    const again = parseEnv({ DATA_DIR: dataDir });
    expect(again.encryptionKeys[0].key.equals(env.encryptionKeys[0].key)).toBe(true);
    expect(again.authSecret).toBe(env.authSecret);
    expect(JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")).AUTH_SECRET).toBe(env.authSecret);
  });

  it("names every bad variable", () => {
    try {
      parseEnv({ DATA_DIR: tempDir(), WECHAT_COMPONENT_AES_KEY: "short", PUBLIC_BASE_URL: "not a url", DATABASE_URL: "mysql://x" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const message = (error as Error).message;
      expect(message).toContain("WECHAT_COMPONENT_AES_KEY");
      expect(message).toContain("PUBLIC_BASE_URL");
      expect(message).toContain("DATABASE_URL");
    }
  });

  it("refuses demo credentials and generated keys in production on the embedded database too", () => {
    let message = "";
    try {
      parseEnv({ DATA_DIR: tempDir(), NODE_ENV: "production" });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      "WECHAT_COMPONENT_APPID",
      "WECHAT_COMPONENT_APPSECRET",
      "WECHAT_COMPONENT_TOKEN",
      "WECHAT_COMPONENT_AES_KEY",
      "TOKEN_ENCRYPTION_KEY",
      "AUTH_SECRET",
    ]) {
      expect(message).toContain(`${name} is required in production`);
    }
  });

  it("lets a production build that talks only to the sandbox (the demo, the e2e tests) use the demo component", () => {
    const sandbox = "http://127.0.0.1:3100";
    const env = parseEnv({
      DATA_DIR: tempDir(),
      NODE_ENV: "production",
      WECHAT_API_BASE: sandbox,
      WECHAT_MP_BASE: sandbox,
      WECHAT_OPEN_BASE: sandbox,
    });
    expect(env.component.appid).toBe(DEMO_COMPONENT.appid);
    expect(env.embedded).toBe(true);
  });

  it("requires real credentials for a production server on its own PostgreSQL", () => {
    expect(() => parseEnv({ DATA_DIR: tempDir(), NODE_ENV: "production", DATABASE_URL: "postgresql://db/portal" })).toThrow(
      /TOKEN_ENCRYPTION_KEY is required in production/,
    );
    const env = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgresql://db/portal",
      WECHAT_COMPONENT_APPID: "wx1234567890abcdef",
      WECHAT_COMPONENT_APPSECRET: "0123456789abcdef0123456789abcdef",
      WECHAT_COMPONENT_TOKEN: "MyToken",
      WECHAT_COMPONENT_AES_KEY: "a".repeat(43),
      TOKEN_ENCRYPTION_KEY: `${key("new", 1)},${key("old", 2)}`,
      AUTH_SECRET: "x".repeat(40),
      WECHAT_API_BASE: "http://127.0.0.1:3100/",
    });
    expect(env.embedded).toBe(false);
    expect(env.encryptionKeys.map((k) => k.id)).toEqual(["new", "old"]);
    expect(env.wechat.apiBase).toBe("http://127.0.0.1:3100");
  });

  it("rejects a malformed TOKEN_ENCRYPTION_KEY and a lone ADMIN_EMAIL", () => {
    expect(() => parseEnv({ DATA_DIR: tempDir(), TOKEN_ENCRYPTION_KEY: "k1:short" })).toThrow(/TOKEN_ENCRYPTION_KEY/);
    expect(() => parseEnv({ DATA_DIR: tempDir(), ADMIN_EMAIL: "a@b.co" })).toThrow(/ADMIN_EMAIL and ADMIN_PASSWORD go together/);
  });
});
