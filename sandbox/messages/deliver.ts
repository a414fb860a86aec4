// Sending one authorizer message to the message URL the way WeChat does: sealed with the component's
// Token/EncodingAESKey, posted to `<messageUrl>/<appid>`, a real request deadline per try (5 s at WeChat,
// SANDBOX_MESSAGE_TIMEOUT_MS here), and on a timeout, a non-2xx or a connection error the very same
// request again, 3 retries at most. A 2xx answer of "" or "success" means no reply; anything else must be
// an encrypted passive reply, which is verified, decrypted and parsed: that is what the user "receives".
import { parseXml, type XmlValue } from "../../lib/wechat/xml";
import { sleep } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { postOnce } from "../push/deliver";
import { sealForReceiver, withQuery } from "../push/envelope";
import type { SeededAccount } from "../state/accounts";
import type { DeliveryAttempt, SentMessage } from "../state/types";
import type { BuiltMessage } from "./build";

const ANSWER_LOG_LIMIT = 500;

/** The authorizer's message URL: SANDBOX_MESSAGE_URL with `$APPID$` replaced. */
export function messageUrlFor(ctx: SandboxContext, appid: string): string {
  return ctx.config.messageUrl.replaceAll("$APPID$", appid);
}

export type OpenedReply = { ok: true; fields: Record<string, unknown>; plaintext: string } | { ok: false; error: string };

/** Opens `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`: signature, decryption, trailing appid, XML. */
export function openPassiveReply(ctx: SandboxContext, answer: string): OpenedReply {
  let envelope: Record<string, unknown>;
  try {
    envelope = parseXml(answer);
  } catch {
    return { ok: false, error: `reply is not XML: ${answer.slice(0, 120)}` };
  }
  const { Encrypt: encrypt, MsgSignature: msgSignature, TimeStamp: timestamp, Nonce: nonce } = envelope;
  if (typeof encrypt !== "string" || typeof msgSignature !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") {
    return { ok: false, error: "reply is not <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml> (safe mode wants it encrypted)" };
  }
  let plaintext: string;
  try {
    plaintext = ctx.crypto.decryptVerified({ msgSignature, timestamp, nonce, encrypt });
  } catch (error) {
    return { ok: false, error: `reply does not decrypt: ${(error as Error).message}` };
  }
  try {
    return { ok: true, fields: parseXml(plaintext), plaintext };
  } catch {
    return { ok: false, error: "decrypted reply is not XML" };
  }
}

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

function snakeKeys(value: XmlValue | unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [snakeCase(key), snakeKeys(child)]));
  }
  return value;
}

/** Why WeChat would not show this reply to the user (it must answer the sender, from the account), or null. */
function misaddressed(fields: Record<string, unknown>, args: { account: SeededAccount; openid: string }): string | null {
  if (typeof fields.MsgType !== "string" || fields.MsgType === "") return "reply has no MsgType";
  if (fields.ToUserName !== args.openid) return `reply ToUserName is ${String(fields.ToUserName)}, expected the sender ${args.openid}`;
  if (fields.FromUserName !== args.account.userName) {
    return `reply FromUserName is ${String(fields.FromUserName)}, expected the account ${args.account.userName}`;
  }
  return null;
}

type Outcome = Pick<SentMessage, "status" | "reply" | "error">;

function judgeAnswer(ctx: SandboxContext, answer: string, args: { account: SeededAccount; openid: string }): Outcome {
  const trimmed = answer.trim();
  if (trimmed === "" || trimmed === "success") return { status: "no_reply", reply: null, error: null };
  const opened = openPassiveReply(ctx, trimmed);
  if (!opened.ok) return { status: "bad_reply", reply: null, error: opened.error };
  const reply = { ...(snakeKeys(opened.fields) as Record<string, unknown>), xml: opened.plaintext };
  const problem = misaddressed(opened.fields, args);
  return problem ? { status: "bad_reply", reply, error: problem } : { status: "replied", reply, error: null };
}

/** Sends `message` to the account's message URL with WeChat's retries; records the delivery and the result. */
export async function deliverAuthorizerMessage(
  ctx: SandboxContext,
  args: { account: SeededAccount; message: BuiltMessage },
): Promise<SentMessage> {
  const { account, message } = args;
  const started = performance.now();
  const url = messageUrlFor(ctx, account.appid);
  // Sealed once: a retry is the same request, as WeChat resends it (same MsgId, CreateTime and signature).
  const sealed = sealForReceiver(ctx, { plaintext: message.plaintext, envelope: { ToUserName: account.userName }, openid: message.openid });
  const target = withQuery(url, sealed.query);
  const delivery = ctx.state.createDelivery({
    kind: "message",
    infoType: `message:${message.type}`,
    url,
    createdAt: new Date().toISOString(),
    state: "pending",
    plaintext: message.plaintext,
    attempts: [],
  });
  const tries = 1 + ctx.config.messageRetries;
  let outcome: Outcome = { status: "failed", reply: null, error: "not sent" };
  for (let attempt = 1; attempt <= tries && !ctx.shutdown.signal.aborted; attempt += 1) {
    const result = await postOnce(ctx, { url: target, body: sealed.body, timeoutMs: ctx.config.messageTimeoutMs });
    const answered = result.status !== undefined && result.status >= 200 && result.status < 300;
    const record: DeliveryAttempt = {
      attempt,
      at: new Date().toISOString(),
      durationMs: result.durationMs,
      ok: answered,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.answer !== undefined ? { answer: result.answer.slice(0, ANSWER_LOG_LIMIT) } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    };
    delivery.attempts.push(record);
    if (answered) {
      outcome = judgeAnswer(ctx, result.answer ?? "", { account, openid: message.openid });
      break;
    }
    outcome = { status: "failed", reply: null, error: result.error ?? `HTTP ${result.status}` };
    ctx.logger.info(
      { delivery: delivery.id, appid: account.appid, type: message.type, attempt, status: result.status, error: result.error },
      "authorizer message not answered",
    );
    if (attempt < tries && ctx.config.messageRetryDelayMs > 0) await sleep(ctx.config.messageRetryDelayMs);
  }
  delivery.state = outcome.status === "failed" ? "failed" : "delivered";
  const sent: SentMessage = {
    delivery_id: delivery.id,
    at: new Date().toISOString(),
    appid: account.appid,
    type: message.type,
    from_user: message.fromUser,
    openid: message.openid,
    msg_id: message.msgId,
    create_time: message.createTime,
    tries: delivery.attempts.length,
    ...outcome,
    duration_ms: Math.round(performance.now() - started),
  };
  ctx.state.recordSentMessage(sent);
  return sent;
}
