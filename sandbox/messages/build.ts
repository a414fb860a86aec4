// Authorizer traffic as WeChat writes it before sealing: the plaintext XML of a user's message or an
// account event, one builder per type with WeChat's field names, order and defaults. The caller's fields
// (snake_case, zod-checked per type) override the defaults. ToUserName is the account's gh_ id,
// FromUserName an openid stable per (account, user), CreateTime comes from the sandbox clock, and a
// message (not an event) carries a unique 64-bit-looking MsgId.
import { createHash, randomBytes, randomInt } from "node:crypto";
import { z } from "zod";
import type { SandboxContext } from "../core/context";
import { buildWeChatXml, type XmlFields } from "../push/envelope";
import type { SeededAccount } from "../state/accounts";
import type { AccountKind } from "../state/permission-sets";

const text = z.string().max(2048);
const number = z.coerce.number().finite();
const unix = z.coerce.number().int().nonnegative();

const OFFICIAL: readonly AccountKind[] = ["official_account"];
const MINI: readonly AccountKind[] = ["mini_program"];
const BOTH: readonly AccountKind[] = ["official_account", "mini_program"];

/** What a builder may need beyond the caller's fields: CreateTime and the receiving account. */
type Draft = { now: number; account: SeededAccount };

type MessageSpec<S extends z.ZodObject> = {
  /** Which account kinds WeChat sends this to. */
  kinds: readonly AccountKind[];
  /** User messages have a MsgId; events have none. */
  hasMsgId: boolean;
  fields: S;
  /** Everything after ToUserName, FromUserName and CreateTime (MsgId is appended for messages). */
  build(input: z.infer<S>, draft: Draft): XmlFields;
};

const spec = <S extends z.ZodObject>(definition: MessageSpec<S>) => definition;

function mediaId(): string {
  return randomBytes(48).toString("base64url");
}

function qrTicket(): string {
  return `gQ${randomBytes(60).toString("base64url")}`;
}

function event(name: string): XmlFields {
  return { MsgType: "event", Event: name };
}

/** Every type the control API accepts, with the account kinds it is sent to and its fields. */
export const MESSAGE_SPECS = {
  text: spec({
    kinds: BOTH,
    hasMsgId: true,
    fields: z.strictObject({ content: text.min(1).default("你好") }),
    build: (input) => ({ MsgType: "text", Content: input.content }),
  }),
  image: spec({
    kinds: BOTH,
    hasMsgId: true,
    fields: z.strictObject({ pic_url: z.string().min(1).optional(), media_id: z.string().min(1).optional() }),
    build: (input) => ({
      MsgType: "image",
      PicUrl: input.pic_url ?? `http://mmbiz.qpic.cn/mmbiz_jpg/${randomBytes(24).toString("base64url")}/0`,
      MediaId: input.media_id ?? mediaId(),
    }),
  }),
  voice: spec({
    kinds: OFFICIAL,
    hasMsgId: true,
    fields: z.strictObject({
      media_id: z.string().min(1).optional(),
      format: z.string().min(1).default("amr"),
      recognition: text.optional(),
    }),
    build: (input) => ({
      MsgType: "voice",
      MediaId: input.media_id ?? mediaId(),
      Format: input.format,
      // Only accounts with speech recognition enabled get it.
      ...(input.recognition !== undefined ? { Recognition: input.recognition } : {}),
    }),
  }),
  location: spec({
    kinds: OFFICIAL,
    hasMsgId: true,
    fields: z.strictObject({
      location_x: number.default(23.134521),
      location_y: number.default(113.358803),
      scale: z.coerce.number().int().default(20),
      label: text.default("广东省广州市天河区天河路385号"),
    }),
    build: (input) => ({
      MsgType: "location",
      Location_X: input.location_x,
      Location_Y: input.location_y,
      Scale: input.scale,
      Label: input.label,
    }),
  }),
  subscribe: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    // With `scene` the user followed by scanning a parametric QR code: EventKey qrscene_<scene> and Ticket.
    fields: z.strictObject({ scene: z.string().min(1).max(64).optional(), ticket: z.string().min(1).optional() }),
    build: (input) => ({
      ...event("subscribe"),
      ...(input.scene !== undefined ? { EventKey: `qrscene_${input.scene}`, Ticket: input.ticket ?? qrTicket() } : {}),
    }),
  }),
  unsubscribe: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    fields: z.strictObject({}),
    build: () => event("unsubscribe"),
  }),
  CLICK: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    fields: z.strictObject({ event_key: z.string().min(1).max(128).default("V1001_TODAY_MUSIC") }),
    build: (input) => ({ ...event("CLICK"), EventKey: input.event_key }),
  }),
  VIEW: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    fields: z.strictObject({ event_key: z.string().min(1).max(1024).default("https://www.example.com/") }),
    build: (input) => ({ ...event("VIEW"), EventKey: input.event_key }),
  }),
  SCAN: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    fields: z.strictObject({ scene: z.string().min(1).max(64).default("123123"), ticket: z.string().min(1).optional() }),
    build: (input) => ({ ...event("SCAN"), EventKey: input.scene, Ticket: input.ticket ?? qrTicket() }),
  }),
  LOCATION: spec({
    kinds: OFFICIAL,
    hasMsgId: false,
    fields: z.strictObject({
      latitude: number.default(23.137466),
      longitude: number.default(113.352425),
      precision: number.default(119.38504),
    }),
    build: (input) => ({ ...event("LOCATION"), Latitude: input.latitude, Longitude: input.longitude, Precision: input.precision }),
  }),
  weapp_audit_success: spec({
    kinds: MINI,
    hasMsgId: false,
    fields: z.strictObject({ succ_time: unix.optional() }),
    build: (input, draft) => ({ ...event("weapp_audit_success"), SuccTime: input.succ_time ?? draft.now }),
  }),
  weapp_audit_fail: spec({
    kinds: MINI,
    hasMsgId: false,
    fields: z.strictObject({
      reason: text
        .min(1)
        .default('1:账号信息不符合规范:<br>(1):包含色情因素<br>2:服务类目"金融业-保险_"与你提交代码审核时设置的功能页面内容不一致'),
      fail_time: unix.optional(),
      screen_shot: z.string().optional(),
    }),
    build: (input, draft) => ({
      ...event("weapp_audit_fail"),
      Reason: input.reason,
      FailTime: input.fail_time ?? draft.now,
      ScreenShot: input.screen_shot ?? `${mediaId()}|${mediaId()}`,
    }),
  }),
  weapp_audit_delay: spec({
    kinds: MINI,
    hasMsgId: false,
    fields: z.strictObject({
      reason: text.min(1).default("为了更好的服务小程序，您的服务商正在进行提审系统的优化，可能会导致审核时效的增长，请耐心等待"),
      delay_time: unix.optional(),
    }),
    build: (input, draft) => ({ ...event("weapp_audit_delay"), Reason: input.reason, DelayTime: input.delay_time ?? draft.now }),
  }),
  wxa_nickname_audit: spec({
    kinds: MINI,
    hasMsgId: false,
    // ret 3: the name is approved, 2: refused (with a reason).
    fields: z.strictObject({
      ret: z.coerce
        .number()
        .int()
        .pipe(z.union([z.literal(2), z.literal(3)]))
        .default(3),
      nickname: z.string().min(1).max(30).optional(),
      reason: text.optional(),
    }),
    build: (input, draft) => ({
      ...event("wxa_nickname_audit"),
      ret: input.ret,
      nickname: input.nickname ?? draft.account.nickName,
      reason: input.reason ?? (input.ret === 2 ? "名称涉嫌侵犯他人商标权" : ""),
    }),
  }),
} as const;

export type MessageType = keyof typeof MESSAGE_SPECS;
export const MESSAGE_TYPES = Object.keys(MESSAGE_SPECS) as MessageType[];

export type BuiltMessage = {
  type: MessageType;
  plaintext: string;
  /** The user's key in the control API (`from_user`) and the openid it stands for on this account. */
  fromUser: string;
  openid: string;
  createTime: number;
  msgId: string | null;
};

export class MessageInputError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super("invalid message fields");
  }
}

/** `o` + 27 url-safe characters, like WeChat's openids; the same user on the same account, the same openid. */
export function openidFor(ctx: SandboxContext, args: { appid: string; user: string }): string {
  const digest = createHash("sha256").update(`${ctx.config.component.appid}:${args.appid}:${args.user}`).digest("base64url");
  return `o${digest.slice(0, 27)}`;
}

// MsgIds: CreateTime × 10^9 plus a sequence that starts at random, so ids are unique within a run, grow
// like WeChat's and exceed 2^53 (a receiver that turns them into floats loses digits and is caught).
let msgSequence = randomInt(0, 100_000_000);

function nextMsgId(createTime: number): string {
  msgSequence = (msgSequence + 1) % 1_000_000_000;
  return (BigInt(createTime) * 1_000_000_000n + BigInt(msgSequence)).toString();
}

/** Whether WeChat sends `type` to this kind of account; the reason when it does not. */
export function refusalFor(type: MessageType, account: SeededAccount): string | null {
  const { kinds } = MESSAGE_SPECS[type];
  if (kinds.includes(account.kind)) return null;
  return `${type} is sent to ${kinds.join(" and ")} accounts only; ${account.appid} is of kind ${account.kind}`;
}

/** Checks `fields` against the type's schema (unknown fields are refused) and returns the parsed input. */
export function parseMessageFields(type: MessageType, fields: Record<string, unknown>): Record<string, unknown> {
  const result = MESSAGE_SPECS[type].fields.safeParse(fields);
  if (result.success) return result.data as Record<string, unknown>;
  throw new MessageInputError(
    result.error.issues.map((issue) => ({
      path: issue.path.join(".") || "(body)",
      message: issue.code === "unrecognized_keys" ? `${issue.message} for type ${type}` : issue.message,
    })),
  );
}

/** The plaintext XML of one message, ready to be sealed. `fields` must have passed parseMessageFields. */
export function buildAuthorizerMessage(
  ctx: SandboxContext,
  args: { account: SeededAccount; type: MessageType; fields: Record<string, unknown>; fromUser: string },
): BuiltMessage {
  const definition = MESSAGE_SPECS[args.type] as MessageSpec<z.ZodObject>;
  const createTime = Math.floor(ctx.clock.now() / 1000);
  const openid = openidFor(ctx, { appid: args.account.appid, user: args.fromUser });
  const body = definition.build(args.fields, { now: createTime, account: args.account });
  const msgId = definition.hasMsgId ? nextMsgId(createTime) : null;
  const plaintext = buildWeChatXml({
    ToUserName: args.account.userName,
    FromUserName: openid,
    CreateTime: createTime,
    ...body,
    ...(msgId !== null ? { MsgId: BigInt(msgId) } : {}),
  });
  return { type: args.type, plaintext, fromUser: args.fromUser, openid, createTime, msgId };
}
