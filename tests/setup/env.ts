// Runs before every test file. Tests never touch the developer's .data/ and never log.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.LOG_LEVEL ??= "silent";
// bcrypt at its lowest cost: the tests count sign-ins, not hashing rounds (2 cores, sometimes busy).
process.env.PASSWORD_HASH_COST ??= "4";
process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), "portal-test-"));
process.env.TOKEN_ENCRYPTION_KEY ??= "test1:" + Buffer.alloc(32, 7).toString("base64");
// The tests' webhook receivers listen on loopback over http.
process.env.WEBHOOK_ALLOW_PRIVATE ??= "true";
process.env.AUTH_SECRET ??= "test-auth-secret-test-auth-secret-0123456789";
