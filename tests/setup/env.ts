// Runs before every test file. Tests never touch the developer's .data/ and never log.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.LOG_LEVEL ??= "silent";
process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), "portal-test-"));
process.env.TOKEN_ENCRYPTION_KEY ??= "test1:" + Buffer.alloc(32, 7).toString("base64");
process.env.AUTH_SECRET ??= "test-auth-secret-test-auth-secret-0123456789";
