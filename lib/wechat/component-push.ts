// Component pushes to the event URL (授权事件接收URL): the decrypted payload schemas (a union on
// InfoType), dedupe keys, and masking for storage and display.
import { createHash } from "node:crypto";
import { z } from "zod";
import { parseWith, requiredText, toDate, unixSeconds } from "./push-envelope";
import { parseXml } from "./xml";

const commonShape = {
  AppId: requiredText("AppId"),
  CreateTime: unixSeconds("CreateTime"),
  InfoType: requiredText("InfoType"),
};

export const componentVerifyTicketSchema = z.object({
  ...commonShape,
  InfoType: z.literal("component_verify_ticket"),
  ComponentVerifyTicket: requiredText("ComponentVerifyTicket"),
});

export const authorizedSchema = z.object({
  ...commonShape,
  InfoType: z.enum(["authorized", "updateauthorized"]),
  AuthorizerAppid: requiredText("AuthorizerAppid"),
  AuthorizationCode: requiredText("AuthorizationCode"),
  // Kept as sent: the code's expiry is informative only (the code is exchanged at once), so a
  // malformed value must not make the whole push, and its code, unusable.
  AuthorizationCodeExpiredTime: z.string().default(""),
  PreAuthCode: z.string().default(""),
});

export const unauthorizedSchema = z.object({
  ...commonShape,
  InfoType: z.literal("unauthorized"),
  AuthorizerAppid: requiredText("AuthorizerAppid"),
});

const fastRegisterInfoSchema = z.record(z.string(), z.unknown());

export const fastRegisterSchema = z.object({
  ...commonShape,
  InfoType: z.literal("notify_third_fasteregister"),
  // A failed registration (status != 0) may come without the new appid or an auth_code.
  appid: z.string().optional(),
  status: z
    .string()
    .regex(/^-?\d+$/, "expected an integer status")
    .transform((value) => Number(value)),
  auth_code: z.string().optional(),
  msg: z.string().default(""),
  info: z.preprocess((value) => (value === "" || value === undefined ? {} : value), fastRegisterInfoSchema),
});

const unknownPushSchema = z.looseObject(commonShape);

type WithCreatedAt<T> = T & { createdAt: Date };

export type ComponentVerifyTicketPush = WithCreatedAt<z.infer<typeof componentVerifyTicketSchema>>;
export type AuthorizedPush = WithCreatedAt<z.infer<typeof authorizedSchema>> & {
  /** AuthorizationCodeExpiredTime as a Date, or null when WeChat sent something that is not unix seconds. */
  authorizationCodeExpiresAt: Date | null;
};
export type UnauthorizedPush = WithCreatedAt<z.infer<typeof unauthorizedSchema>>;
export type FastRegisterPush = WithCreatedAt<z.infer<typeof fastRegisterSchema>>;
/** An InfoType this library does not model yet; every decrypted field is kept in `fields`. */
export type UnknownComponentPush = {
  InfoType: string;
  AppId: string;
  CreateTime: number;
  createdAt: Date;
  known: false;
  fields: Record<string, unknown>;
};

export type ComponentPush =
  | (ComponentVerifyTicketPush & { known: true })
  | (AuthorizedPush & { known: true })
  | (UnauthorizedPush & { known: true })
  | (FastRegisterPush & { known: true })
  | UnknownComponentPush;

export const KNOWN_INFO_TYPES = [
  "component_verify_ticket",
  "authorized",
  "updateauthorized",
  "unauthorized",
  "notify_third_fasteregister",
] as const;

/**
 * Parses the decrypted XML of a push to the event URL. Known InfoTypes are validated strictly on the
 * fields the portal acts on; unknown ones come back with `known: false` and all their fields.
 * Throws WeChatXmlError / WeChatPayloadError (both code -40002).
 */
export function parseComponentPush(xml: string): ComponentPush {
  const fields = parseXml(xml);
  const infoType = typeof fields.InfoType === "string" ? fields.InfoType : undefined;

  if (infoType === "component_verify_ticket") {
    const push = parseWith(componentVerifyTicketSchema, fields, "component_verify_ticket push");
    return { ...push, createdAt: toDate(push.CreateTime), known: true };
  }
  if (infoType === "authorized" || infoType === "updateauthorized") {
    const push = parseWith(authorizedSchema, fields, `${infoType} push`);
    const expiry = /^\d{1,12}$/.test(push.AuthorizationCodeExpiredTime) ? toDate(Number(push.AuthorizationCodeExpiredTime)) : null;
    return { ...push, createdAt: toDate(push.CreateTime), authorizationCodeExpiresAt: expiry, known: true };
  }
  if (infoType === "unauthorized") {
    const push = parseWith(unauthorizedSchema, fields, "unauthorized push");
    return { ...push, createdAt: toDate(push.CreateTime), known: true };
  }
  if (infoType === "notify_third_fasteregister") {
    const push = parseWith(fastRegisterSchema, fields, "notify_third_fasteregister push");
    return { ...push, createdAt: toDate(push.CreateTime), known: true };
  }

  const push = parseWith(unknownPushSchema, fields, "component push");
  return {
    InfoType: push.InfoType,
    AppId: push.AppId,
    CreateTime: push.CreateTime,
    createdAt: toDate(push.CreateTime),
    known: false,
    fields,
  };
}

function shortHash(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 32);
}

/** Canonical JSON (sorted keys) so the same unknown push hashes the same whatever the field order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable key per push. WeChat retries (up to 3 times when `success` is not answered in 5 s) resend
 * the same payload, CreateTime included, so the key is built from payload fields only, never from the
 * envelope (each delivery is encrypted with a fresh random prefix). Credentials are hashed, not embedded.
 */
export function dedupeKeyFor(push: ComponentPush): string {
  const prefix = `${push.InfoType}:${push.AppId}:${push.CreateTime}`;
  if (!push.known) return `${prefix}:${shortHash(canonicalJson(push.fields))}`;
  switch (push.InfoType) {
    case "component_verify_ticket":
      return `${prefix}:${shortHash(push.ComponentVerifyTicket)}`;
    case "authorized":
    case "updateauthorized":
      return `${prefix}:${push.AuthorizerAppid}:${shortHash(push.AuthorizationCode)}`;
    case "unauthorized":
      return `${prefix}:${push.AuthorizerAppid}`;
    case "notify_third_fasteregister":
      return `${prefix}:${shortHash(canonicalJson({ appid: push.appid, status: push.status, auth_code: push.auth_code, info: push.info }))}`;
  }
}

/** Field names that carry a credential, wherever they appear in a push (unknown pushes included). */
const CREDENTIAL_FIELDS = new Set(["ComponentVerifyTicket", "AuthorizationCode", "PreAuthCode", "auth_code"]);

export function maskSecret(value: string): string {
  // Short values would be mostly revealed by a 4-character prefix.
  if (value.length <= 8) return "…";
  return `${value.slice(0, 4)}…`;
}

function maskValue(key: string, value: unknown): unknown {
  if (CREDENTIAL_FIELDS.has(key) && typeof value === "string") return maskSecret(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => maskValue(key, item));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskValue(k, v)]));
  }
  return value;
}

/** The push as a JSON-safe record with credentials masked (first 4 chars + '…'), for storing and display. */
export function maskPush(push: ComponentPush): Record<string, unknown> {
  return maskValue("", push) as Record<string, unknown>;
}
