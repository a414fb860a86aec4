// The event-URL push format (授权事件接收URL) and per-authorizer messages (消息与事件接收URL):
// envelopes, decrypted payload schemas, dedupe keys, masking, and plain/encrypted replies.
import { createHash } from "node:crypto";
import { z } from "zod";
import { WECHAT_CRYPTO_ERRORS, WeChatCryptoError, type MessageCrypto } from "./crypto";
import { buildXml, parseXml } from "./xml";

/**
 * Valid XML whose fields do not match the expected payload. Same -40002 code as WeChatXmlError (the
 * official "parse XML" failure), with the offending field paths so logs name what was missing.
 */
export class WeChatPayloadError extends WeChatCryptoError {
  readonly fields: string[];

  constructor(message: string, fields: string[]) {
    super(WECHAT_CRYPTO_ERRORS.parseXml, message);
    this.name = "WeChatPayloadError";
    this.fields = fields;
  }
}

function describeIssues(error: z.ZodError): { message: string; fields: string[] } {
  const paths = error.issues.map((issue) => (issue.path.length > 0 ? issue.path.join(".") : "(root)"));
  const details = error.issues.map((issue, index) => `${paths[index]}: ${issue.message}`);
  return { message: details.join("; "), fields: [...new Set(paths)] };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { message, fields } = describeIssues(result.error);
  throw new WeChatPayloadError(`invalid ${what}: ${message}`, fields);
}

// ---------------------------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------------------------

export type PushEnvelope = { appid?: string; toUserName?: string; encrypt: string };

const envelopeSchema = z.object({
  AppId: z.string().optional(),
  ToUserName: z.string().optional(),
  Encrypt: z.string().min(1, "Encrypt is missing or empty"),
});

/**
 * Reads the outer body of an encrypted push: `<xml><AppId/><Encrypt/></xml>` for component pushes,
 * `<xml><ToUserName/><Encrypt/></xml>` for per-authorizer messages. Compat-mode bodies also carry
 * plaintext fields; they are ignored on purpose, only the signed Encrypt is trusted.
 */
export function parseEnvelope(body: string): PushEnvelope {
  const fields = parseWith(envelopeSchema, parseXml(body), "push envelope");
  const envelope: PushEnvelope = { encrypt: fields.Encrypt };
  if (fields.AppId !== undefined && fields.AppId !== "") envelope.appid = fields.AppId;
  if (fields.ToUserName !== undefined && fields.ToUserName !== "") envelope.toUserName = fields.ToUserName;
  return envelope;
}

// ---------------------------------------------------------------------------------------------
// Component pushes (decrypted)
// ---------------------------------------------------------------------------------------------

const requiredText = (name: string) => z.string({ error: `${name} is missing` }).min(1, `${name} is empty`);

const unixSeconds = (name: string) =>
  z
    .string({ error: `${name} is missing` })
    .regex(/^\d{1,12}$/, `${name} is not unix seconds`)
    .transform((value) => Number(value));

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

function toDate(seconds: number): Date {
  return new Date(seconds * 1000);
}

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

// ---------------------------------------------------------------------------------------------
// Per-authorizer messages (消息与事件接收URL)
// ---------------------------------------------------------------------------------------------

export const authorizerMessageSchema = z.looseObject({
  ToUserName: requiredText("ToUserName"),
  FromUserName: requiredText("FromUserName"),
  CreateTime: unixSeconds("CreateTime"),
  MsgType: requiredText("MsgType"),
  Content: z.string().optional(),
  Event: z.string().optional(),
  EventKey: z.string().optional(),
  MsgId: z.string().optional(),
});

export type AuthorizerMessage = {
  ToUserName: string;
  FromUserName: string;
  CreateTime: number;
  createdAt: Date;
  MsgType: string;
  Content?: string;
  Event?: string;
  EventKey?: string;
  MsgId?: string;
  /** Every decrypted field, for message types not modelled here (image, location, ...). */
  fields: Record<string, unknown>;
};

/** Parses a decrypted message or event sent to an authorizer's message URL. */
export function parseAuthorizerMessage(xml: string): AuthorizerMessage {
  const fields = parseXml(xml);
  const message = parseWith(authorizerMessageSchema, fields, "authorizer message");
  const result: AuthorizerMessage = {
    ToUserName: message.ToUserName,
    FromUserName: message.FromUserName,
    CreateTime: message.CreateTime,
    createdAt: toDate(message.CreateTime),
    MsgType: message.MsgType,
    fields,
  };
  if (message.Content !== undefined) result.Content = message.Content;
  if (message.Event !== undefined) result.Event = message.Event;
  if (message.EventKey !== undefined) result.EventKey = message.EventKey;
  if (message.MsgId !== undefined) result.MsgId = message.MsgId;
  return result;
}

/**
 * The plain passive text reply. `toUser` is the sender of the incoming message (its FromUserName) and
 * `fromUser` the authorizer account (its ToUserName).
 */
export function buildTextReply(args: { toUser: string; fromUser: string; content: string; createTime?: number }): string {
  return buildXml({
    ToUserName: args.toUser,
    FromUserName: args.fromUser,
    CreateTime: args.createTime ?? Math.floor(Date.now() / 1000),
    MsgType: "text",
    Content: args.content,
  });
}

/** Wraps a plain reply for safe mode: `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`. */
export function buildEncryptedReply(args: {
  crypto: MessageCrypto;
  plaintext: string;
  timestamp: string;
  nonce: string;
  random?: Buffer;
}): string {
  const sealed = args.crypto.seal({ plaintext: args.plaintext, timestamp: args.timestamp, nonce: args.nonce, random: args.random });
  // WeChat's own samples send TimeStamp bare and the rest in CDATA.
  const timestamp = /^\d{1,12}$/.test(args.timestamp) ? Number(args.timestamp) : args.timestamp;
  return buildXml({ Encrypt: sealed.encrypt, MsgSignature: sealed.msgSignature, TimeStamp: timestamp, Nonce: args.nonce });
}
