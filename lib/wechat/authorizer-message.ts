// Messages and events sent to an authorizer's message URL (消息与事件接收URL), and the passive
// replies to them, plain or encrypted.
import { z } from "zod";
import type { MessageCrypto } from "./crypto";
import { parseWith, requiredText, toDate, unixSeconds } from "./push-envelope";
import { buildXml, parseXml } from "./xml";

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
