// An authorizer's messages and events (消息与事件接收URL, /api/wechat/messages/{appid}): verify the
// msg_signature, decrypt with the component's Token and EncodingAESKey, check that the signed
// timestamp is fresh (a replay is refused), then answer. Anything that fails a check gets a 4xx with
// the reason (also logged) and nothing else happens. WeChat's release-check accounts are answered by
// the portal itself (release-check.ts). Every other message is stored (forward.ts) before it is
// acknowledged — 503 if it cannot be, so WeChat retries — and answered with the passive reply of a
// synchronous route, or `success`.
import { randomBytes } from "node:crypto";
import { getEnv } from "../env";
import { textResponse, type PostedRequest } from "../http";
import { logger } from "../logger";
import { countMessage, refusalReasonOf, startIngressTimer } from "../metrics";
import { MessageCrypto, WeChatCryptoError, WECHAT_CRYPTO_ERRORS } from "../wechat/crypto";
import { staleTimestampReason } from "../wechat/freshness";
import { buildEncryptedReply, buildTextReply, parseAuthorizerMessage, type AuthorizerMessage } from "../wechat/authorizer-message";
import type { RecordedEvent } from "../webhooks/outbox";
import { askForReply, storeMessage } from "./forward";
import { parseEnvelope } from "../wechat/push-envelope";
import { answerReleaseCheck, RELEASE_TEST_APPIDS } from "./release-check";

/** WeChat's messages are a few KB at most. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const APPID = /^[A-Za-z0-9_-]{1,64}$/;

export type MessageOutcome = { response: Response; afterwards?: () => Promise<void> };

type Rejection = { status: 400 | 401 | 403 | 413; reason: string };

class MessageRejected extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.reason);
  }
}

const reject = (status: Rejection["status"], reason: string) => new MessageRejected({ status, reason });

const componentCrypto = () => {
  const { appid, token, encodingAesKey } = getEnv().component;
  return new MessageCrypto({ appid, token, encodingAesKey });
};

/** GET is how plain official accounts verify their URL (echostr); WeChat never does it on a component's message URL. */
export function refuseMessageGet(): Response {
  const response = textResponse(
    "This message URL only accepts POSTs from WeChat (encrypted messages); it is not verified with echostr.",
    405,
  );
  response.headers.set("allow", "POST");
  return response;
}

/** Verifies and decrypts; every failure becomes a MessageRejected naming the check that failed. */
function decodeMessage({ query, body, crypto, now }: { query: URLSearchParams; body: string; crypto: MessageCrypto; now: Date }): {
  message: AuthorizerMessage;
  xml: string;
} {
  const msgSignature = query.get("msg_signature");
  const timestamp = query.get("timestamp");
  const nonce = query.get("nonce");
  if (query.get("encrypt_type") !== "aes") throw reject(400, "encrypt_type must be aes: the component's messages are always encrypted");
  if (!msgSignature || !timestamp || !nonce) throw reject(400, "missing msg_signature, timestamp or nonce in the query");
  try {
    const envelope = parseEnvelope(body);
    const xml = crypto.decryptVerified({ msgSignature, timestamp, nonce, encrypt: envelope.encrypt });
    const message = parseAuthorizerMessage(xml);
    if (envelope.toUserName !== undefined && envelope.toUserName !== message.ToUserName) {
      throw reject(400, `envelope ToUserName ${envelope.toUserName} differs from the encrypted one ${message.ToUserName}`);
    }
    const stale = staleTimestampReason({ timestamp, now, windowSeconds: getEnv().pushWindowSeconds });
    if (stale) throw reject(401, stale);
    return { message, xml };
  } catch (error) {
    if (!(error instanceof WeChatCryptoError)) throw error;
    if (error.code === WECHAT_CRYPTO_ERRORS.validateSignature) throw reject(401, `${error.message} (${error.code})`);
    if (error.code === WECHAT_CRYPTO_ERRORS.validateAppid) throw reject(403, `${error.message} (${error.code})`);
    throw reject(400, `${error.message} (${error.code})`);
  }
}

/** A passive reply (plain XML) encrypted like everything WeChat exchanges with the component. */
function encryptedReply({ plaintext, crypto }: { plaintext: string; crypto: MessageCrypto }): Response {
  const xml = buildEncryptedReply({
    crypto,
    plaintext,
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: randomBytes(8).toString("hex"),
  });
  return new Response(xml, { headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" } });
}

/** The release-check accounts' answers, unchanged: nothing about them is stored or forwarded. */
function answerReleaseAccount({
  appid,
  message,
  crypto,
}: {
  appid: string;
  message: AuthorizerMessage;
  crypto: MessageCrypto;
}): MessageOutcome {
  const answer = answerReleaseCheck({ appid, message });
  if (answer.kind === "text") {
    logger.info({ appid, msgType: message.MsgType }, "release check answered");
    const plaintext = buildTextReply({ toUser: message.FromUserName, fromUser: message.ToUserName, content: answer.content });
    return { response: encryptedReply({ plaintext, crypto }) };
  }
  // WeChat treats an empty answer and "success" alike: nothing is sent to the user.
  if (answer.kind === "empty") return { response: textResponse(""), afterwards: answer.afterwards };
  return { response: textResponse("success") };
}

/** Stores, then answers with the passive reply (new or, for WeChat's retry, the one given before) or `success`. */
async function forwardMessage({
  appid,
  message,
  xml,
  crypto,
  now,
}: {
  appid: string;
  message: AuthorizerMessage;
  xml: string;
  crypto: MessageCrypto;
  now: Date;
}): Promise<MessageOutcome> {
  const ids = { appid, msgType: message.MsgType, event: message.Event, msgId: message.MsgId };
  let recorded: RecordedEvent;
  try {
    recorded = await storeMessage({ authorizerAppid: appid, message, xml, now });
  } catch (error) {
    // Never `success` for a message nobody stored: WeChat retries a 5xx.
    countMessage("failed");
    logger.error({ ...ids, err: error }, "authorizer message not stored: answered 503");
    return { response: textResponse("the message could not be stored; retry", 503) };
  }
  if (recorded.duplicate) {
    countMessage("deduplicated");
    logger.info({ ...ids, eventId: recorded.eventId, replied: recorded.replyXml !== null }, "authorizer message retried by WeChat");
    return { response: recorded.replyXml ? encryptedReply({ plaintext: recorded.replyXml, crypto }) : textResponse("success") };
  }
  countMessage("accepted");
  logger.info({ ...ids, eventId: recorded.eventId, deliveries: recorded.deliveries.length }, "authorizer message stored");
  const replyXml = await askForReply({ recorded, message, now });
  return { response: replyXml ? encryptedReply({ plaintext: replyXml, crypto }) : textResponse("success") };
}

/** Handles one POST to the message URL; `afterwards` is work to run once the answer has gone. */
export function receiveAuthorizerMessage(input: { posted: PostedRequest; appid: string; now?: Date }): Promise<MessageOutcome> {
  return answerMessage(input).finally(startIngressTimer("message_url"));
}

async function answerMessage({
  posted,
  appid,
  now = new Date(),
}: {
  posted: PostedRequest;
  appid: string;
  now?: Date;
}): Promise<MessageOutcome> {
  try {
    if (!APPID.test(appid)) throw reject(400, "the path does not end with an authorizer appid");
    if ("tooLarge" in posted) throw reject(413, `body larger than ${MAX_MESSAGE_BYTES} bytes`);
    const crypto = componentCrypto();
    const { message, xml } = decodeMessage({ query: posted.query, body: posted.body, crypto, now });
    if (RELEASE_TEST_APPIDS.has(appid)) return answerReleaseAccount({ appid, message, crypto });
    return await forwardMessage({ appid, message, xml, crypto, now });
  } catch (error) {
    if (!(error instanceof MessageRejected)) throw error;
    countMessage("refused", refusalReasonOf(error.rejection));
    logger.warn(
      { appid: appid.slice(0, 64), status: error.rejection.status, reason: error.rejection.reason },
      "authorizer message refused",
    );
    return { response: textResponse(error.rejection.reason, error.rejection.status) };
  }
}
