import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { staleTimestampReason } from "@/lib/wechat/freshness";

const now = new Date("2026-12-01T12:00:00.500Z");
const seconds = Math.floor(now.getTime() / 1000);
const check = (timestamp: string | number, windowSeconds = 300) =>
  staleTimestampReason({ timestamp: String(timestamp), now, windowSeconds });

describe("freshness window of signed timestamps", () => {
  it("accepts timestamps up to the window either way, against the clock it is given", () => {
    expect(check(seconds)).toBeNull();
    expect(check(seconds - 300)).toBeNull();
    expect(check(seconds + 300)).toBeNull();
  });

  it("refuses older and newer ones, saying which and by how much", () => {
    expect(check(seconds - 301)).toBe("signed timestamp is 301 s old; only 300 s either way are accepted (a replay, or a wrong clock)");
    expect(check(seconds + 301)).toMatch(/^signed timestamp is 301 s in the future; only 300 s/);
    expect(check(seconds - 61, 60)).toMatch(/61 s old; only 60 s/);
  });

  it("refuses what is not unix seconds", () => {
    for (const bad of ["", "abc", "-5", "1.5", "1e9", "1234567890123"]) expect(check(bad)).toBe("timestamp is not unix seconds");
  });

  it("is configured by WECHAT_PUSH_WINDOW_SECONDS: 300 by default, 30 to 86400", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "env-"));
    expect(parseEnv({ DATA_DIR: dataDir }).pushWindowSeconds).toBe(300);
    expect(parseEnv({ DATA_DIR: dataDir, WECHAT_PUSH_WINDOW_SECONDS: "120" }).pushWindowSeconds).toBe(120);
    for (const bad of ["5", "100000", "ten", "1.5"]) {
      expect(() => parseEnv({ DATA_DIR: dataDir, WECHAT_PUSH_WINDOW_SECONDS: bad })).toThrow(EnvError);
    }
  });
});
