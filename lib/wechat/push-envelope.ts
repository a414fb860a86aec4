// What the event URL (授权事件接收URL) and the message URL (消息与事件接收URL) share: the encrypted
// envelope, and how a decrypted payload is checked against its schema.
import { z } from "zod";
import { WECHAT_CRYPTO_ERRORS, WeChatCryptoError } from "./crypto";
import { parseXml } from "./xml";

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

/** `value` as `schema` reads it, or a WeChatPayloadError naming every field that did not fit. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { message, fields } = describeIssues(result.error);
  throw new WeChatPayloadError(`invalid ${what}: ${message}`, fields);
}

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

/** A field WeChat must send, as non-empty text (every XML value arrives as a string). */
export const requiredText = (name: string) => z.string({ error: `${name} is missing` }).min(1, `${name} is empty`);

/** A time WeChat sends in unix seconds, as a number. */
export const unixSeconds = (name: string) =>
  z
    .string({ error: `${name} is missing` })
    .regex(/^\d{1,12}$/, `${name} is not unix seconds`)
    .transform((value) => Number(value));

/** WeChat's CreateTime (unix seconds) as a Date. */
export function toDate(seconds: number): Date {
  return new Date(seconds * 1000);
}
