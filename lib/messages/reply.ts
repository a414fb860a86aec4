// What a synchronous route's endpoint answered, read as a passive reply to the WeChat user: WeChat's
// own reply XML, the hub's JSON `{"reply": {...}}`, or nothing (an empty body, `success`,
// `{"reply": null}`). docs/wechat/event-and-message-urls.md ("Passive replies") is the contract.
import { z } from "zod";
import { WeChatCryptoError } from "../wechat/crypto";
import { parsePassiveReplyXml, passiveReplySchema, type PassiveReply } from "../wechat/authorizer-message";

export type EndpointReply =
  | { kind: "none" }
  | { kind: "reply"; reply: PassiveReply }
  /** Not a reply the portal can pass on: logged, and WeChat is answered `success`. */
  | { kind: "invalid"; reason: string };

const NO_REPLY: EndpointReply = { kind: "none" };

const describe = (error: z.ZodError) => error.issues.map((issue) => `${["reply", ...issue.path].join(".")}: ${issue.message}`).join("; ");

function readJson(body: string): EndpointReply {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: "invalid", reason: "the body is not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { kind: "invalid", reason: "the JSON body is not an object" };
  }
  const { reply } = value as { reply?: unknown };
  // No `reply` field: an ordinary acknowledgement such as {"ok": true}.
  if (reply === undefined || reply === null) return NO_REPLY;
  const parsed = passiveReplySchema.safeParse(reply);
  if (!parsed.success) return { kind: "invalid", reason: `invalid JSON reply: ${describe(parsed.error)}` };
  return { kind: "reply", reply: parsed.data };
}

function readXml(body: string): EndpointReply {
  try {
    return { kind: "reply", reply: parsePassiveReplyXml(body) };
  } catch (error) {
    if (error instanceof WeChatCryptoError) return { kind: "invalid", reason: `invalid XML reply: ${error.message}` };
    throw error;
  }
}

/** The media type without parameters, lowercase: `application/json; charset=utf-8` → `application/json`. */
const mediaType = (contentType: string | null) => contentType?.split(";")[0]?.trim().toLowerCase() || null;

/** Reads the endpoint's answer. The content type decides; without one, the body's first character. */
export function readEndpointReply({ body, contentType }: { body: string; contentType: string | null }): EndpointReply {
  const trimmed = body.trim();
  if (trimmed === "" || trimmed === "success") return NO_REPLY;
  const type = mediaType(contentType);
  if (type !== null && /[/+]xml$/.test(type)) return readXml(trimmed);
  if (type !== null && /[/+]json$/.test(type)) return readJson(trimmed);
  if (type === null || type === "text/plain" || type === "application/octet-stream") {
    if (trimmed.startsWith("<")) return readXml(trimmed);
    if (trimmed.startsWith("{")) return readJson(trimmed);
  }
  return { kind: "invalid", reason: `not a reply (content type ${type ?? "none"}): send XML or JSON, or an empty body` };
}
