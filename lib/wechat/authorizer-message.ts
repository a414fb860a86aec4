// Messages and events sent to an authorizer's message URL (消息与事件接收URL), and the passive
// replies to them (被动回复: text, image, voice, video, music, news, transfer to customer service),
// read from the hub's JSON reply format or from WeChat's own reply XML, built plain or encrypted.
import { XMLBuilder } from "fast-xml-parser";
import { z } from "zod";
import type { MessageCrypto } from "./crypto";
import { parseWith, requiredText, toDate, unixSeconds } from "./push-envelope";
import { buildXml, parseXml, WeChatXmlError } from "./xml";

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

// --- Passive replies -----------------------------------------------------------------------------

const text = (max: number) => z.string().min(1).max(max);
const optionalText = (max: number) => z.string().max(max).optional();
const mediaId = z.string().min(1).max(256);

/** At most 8 articles in a news reply (WeChat's limit). */
export const MAX_NEWS_ARTICLES = 8;

/**
 * A passive reply in the hub's JSON format (docs/wechat/event-and-message-urls.md, "Passive replies"):
 * `{type, ...}` with WeChat's fields in snake_case. Unknown keys are refused, so a typo is an error.
 */
export const passiveReplySchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), content: text(2048) }),
  z.strictObject({ type: z.literal("image"), media_id: mediaId }),
  z.strictObject({ type: z.literal("voice"), media_id: mediaId }),
  z.strictObject({
    type: z.literal("video"),
    media_id: mediaId,
    title: optionalText(256),
    description: optionalText(1024),
  }),
  z.strictObject({
    type: z.literal("music"),
    title: optionalText(256),
    description: optionalText(1024),
    music_url: optionalText(2048),
    hq_music_url: optionalText(2048),
    thumb_media_id: mediaId,
  }),
  z.strictObject({
    type: z.literal("news"),
    articles: z
      .array(
        z.strictObject({
          title: text(256),
          description: optionalText(1024),
          pic_url: optionalText(2048),
          url: optionalText(2048),
        }),
      )
      .min(1)
      .max(MAX_NEWS_ARTICLES),
  }),
  z.strictObject({ type: z.literal("transfer_customer_service"), kf_account: optionalText(128) }),
]);

export type PassiveReply = z.infer<typeof passiveReplySchema>;

type XmlFields = Record<string, unknown>;

const field = (fields: unknown, name: string): unknown =>
  fields !== null && typeof fields === "object" && !Array.isArray(fields) ? (fields as XmlFields)[name] : undefined;

/** Drops the keys whose value is undefined, so the strict schema sees only what the XML had. */
const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/** WeChat's reply XML (already parsed) as a PassiveReply candidate; the schema then checks it. */
function replyFieldsFromXml(fields: XmlFields): Record<string, unknown> {
  const type = fields.MsgType;
  switch (type) {
    case "text":
      return { type, content: fields.Content };
    case "image":
      return { type, media_id: field(fields.Image, "MediaId") };
    case "voice":
      return { type, media_id: field(fields.Voice, "MediaId") };
    case "video":
      return defined({
        type,
        media_id: field(fields.Video, "MediaId"),
        title: field(fields.Video, "Title"),
        description: field(fields.Video, "Description"),
      });
    case "music":
      return defined({
        type,
        title: field(fields.Music, "Title"),
        description: field(fields.Music, "Description"),
        music_url: field(fields.Music, "MusicUrl"),
        hq_music_url: field(fields.Music, "HQMusicUrl"),
        thumb_media_id: field(fields.Music, "ThumbMediaId"),
      });
    case "news": {
      const items = field(fields.Articles, "item");
      const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
      return {
        type,
        articles: list.map((item) =>
          defined({
            title: field(item, "Title"),
            description: field(item, "Description"),
            pic_url: field(item, "PicUrl"),
            url: field(item, "Url"),
          }),
        ),
      };
    }
    case "transfer_customer_service":
      return defined({ type, kf_account: field(fields.TransInfo, "KfAccount") });
    default:
      return { type };
  }
}

/**
 * Reads a reply written in WeChat's own XML (`<xml><MsgType>text</MsgType><Content>…</Content></xml>`).
 * ToUserName, FromUserName and CreateTime may be missing or wrong: buildPassiveReply sets them from the
 * message. Throws WeChatXmlError / WeChatPayloadError (-40002) for anything that is not a reply.
 */
export function parsePassiveReplyXml(xml: string): PassiveReply {
  const fields = parseXml(xml);
  if (typeof fields.MsgType !== "string" || fields.MsgType === "") throw new WeChatXmlError("the reply has no MsgType");
  return parseWith(passiveReplySchema, replyFieldsFromXml(fields), "passive reply");
}

const cdata = (value: string) => ({ __cdata: value });
const cdataFields = (record: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(record).flatMap(([name, value]) => (value === undefined ? [] : [[name, cdata(value)]])));

function replyBody(reply: PassiveReply): Record<string, unknown> {
  switch (reply.type) {
    case "text":
      return { Content: cdata(reply.content) };
    case "image":
      return { Image: cdataFields({ MediaId: reply.media_id }) };
    case "voice":
      return { Voice: cdataFields({ MediaId: reply.media_id }) };
    case "video":
      return { Video: cdataFields({ MediaId: reply.media_id, Title: reply.title, Description: reply.description }) };
    case "music":
      return {
        Music: cdataFields({
          Title: reply.title,
          Description: reply.description,
          MusicUrl: reply.music_url,
          HQMusicUrl: reply.hq_music_url,
          ThumbMediaId: reply.thumb_media_id,
        }),
      };
    case "news":
      return {
        ArticleCount: reply.articles.length,
        Articles: {
          item: reply.articles.map((article) =>
            cdataFields({ Title: article.title, Description: article.description, PicUrl: article.pic_url, Url: article.url }),
          ),
        },
      };
    case "transfer_customer_service":
      return reply.kf_account === undefined ? {} : { TransInfo: cdataFields({ KfAccount: reply.kf_account }) };
  }
}

// CDATA sections are split around "]]>" by the builder, so any text round-trips.
const replyBuilder = new XMLBuilder({ cdataPropName: "__cdata", format: false, suppressEmptyNode: false });

/**
 * The plain reply XML WeChat expects: `toUser` is the sender of the incoming message (its
 * FromUserName), `fromUser` the authorizer account (its ToUserName), nested elements as WeChat
 * documents them (`<Image><MediaId/></Image>`, `<Articles><item/>…</Articles>`).
 */
export function buildPassiveReply(
  reply: PassiveReply,
  { toUser, fromUser, createTime = Math.floor(Date.now() / 1000) }: { toUser: string; fromUser: string; createTime?: number },
): string {
  return replyBuilder.build({
    xml: {
      ToUserName: cdata(toUser),
      FromUserName: cdata(fromUser),
      CreateTime: createTime,
      MsgType: cdata(reply.type),
      ...replyBody(reply),
    },
  }) as string;
}
