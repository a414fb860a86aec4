// One structured logger. Anything that looks like a credential is redacted before it is written.
import pino from "pino";

const secretKeys = [
  "password",
  "passwordHash",
  "token",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "component_access_token",
  "authorizer_access_token",
  "authorizer_refresh_token",
  "component_verify_ticket",
  "ComponentVerifyTicket",
  "verifyTicket",
  "ticket",
  "jsapiTicket",
  "authorization_code",
  "AuthorizationCode",
  "auth_code",
  "pre_auth_code",
  "PreAuthCode",
  "component_appsecret",
  "appsecret",
  "secret",
  "apiKey",
  "key",
  "authorization",
  "cookie",
];

export const redactPaths = [...secretKeys, ...secretKeys.map((k) => `*.${k}`), ...secretKeys.map((k) => `*.*.${k}`)];

// Token values sometimes travel inside URLs (?access_token=...); strip them from any logged string.
const QUERY_SECRET = /([?&](?:access_token|component_access_token|pre_auth_code|auth_code|key)=)[^&#\s"]+/g;
export const scrubUrl = (text: string) => text.replace(QUERY_SECRET, "$1[Redacted]");

const root = globalThis as unknown as { __portalLogger?: pino.Logger };

// Written asynchronously: a request never waits for stdout (a slow log collector, a full pipe). pino
// flushes what is buffered when the process exits, process.exit() included.
export const logger: pino.Logger = (root.__portalLogger ??= pino(
  {
    level: process.env.LOG_LEVEL ?? "info",
    base: { app: "component-portal" },
    redact: { paths: redactPaths, censor: "[Redacted]" },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination({ dest: 1, sync: false }),
));
