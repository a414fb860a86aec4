// Settings shared by the soak's driver and the portal processes it starts. Imports nothing, so the
// driver can set its environment before any of the portal's modules read it.
import { randomBytes } from "node:crypto";

/** The build the soak runs (never another engineer's .next). */
export const SOAK_DIST_DIR = ".next-soak";

/** Secrets shared by the portal processes and the driver (which seals seeded tokens). */
export const soakSecrets = {
  TOKEN_ENCRYPTION_KEY: `soak1:${randomBytes(32).toString("base64")}`,
  AUTH_SECRET: randomBytes(32).toString("base64url"),
};

export const SOAK_ADMIN = { email: "soak@portal.local", password: "soak-password-not-secret" };
