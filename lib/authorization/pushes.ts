// Pushes to the event URL (授权事件接收URL). Receiving is verify → decrypt → parse → store under a
// dedupe key; only a stored push is acknowledged. A push whose signed timestamp is outside the
// freshness window is a replay and is refused. A push that needs no WeChat call (a ticket, an
// unauthorized) is applied as it is stored; the others are processed after the answer, once per push
// across instances (a lease), and retried by the scheduled sweep when that fails. Lifecycle pushes
// apply in the order they happened at WeChat: one older than the account's state is kept, marked
// superseded, and changes nothing.
import { db, isDatabaseUnavailable, sql, transaction, type Sql } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { countPush, startIngressTimer, type RefusalReason } from "../metrics";
import { newerTicketSet, newerTicketValues, recordVerifyTicket } from "../credentials/component-ticket";
import { openPushPayload, sealPushPayload } from "../credentials/push-payload";
import { MessageCrypto, WeChatCryptoError } from "../wechat/crypto";
import { staleTimestampReason } from "../wechat/freshness";
import {
  dedupeKeyFor,
  maskPush,
  parseComponentPush,
  type AuthorizedPush,
  type ComponentPush,
  type ComponentVerifyTicketPush,
  type UnauthorizedPush,
} from "../wechat/component-push";
import { parseEnvelope } from "../wechat/push-envelope";
import { LIFECYCLE_ORDER, SupersededChangeError, type LifecycleOrderRow } from "./authorizer-record";
import { completeAuthorization, hashCode } from "./complete";
import { noteStoreFailure, reportStoreRecovery, ticketGapSet, ticketGapValues } from "./push-gaps";
import { applyRevocation, markAuthorizerRevoked, reportRevocation, revocationChange } from "./status";

/** WeChat's pushes are a few hundred bytes; anything near this is not WeChat. */
export const MAX_PUSH_BYTES = 64 * 1024;
const LEASE_MS = 60_000;
/** After this many failed processing attempts a push is left for a human (its error is kept). */
export const MAX_PROCESSING_ATTEMPTS = 5;

/** `reason` says what was wrong, for the answer and the log; `code` is its metrics label. */
export type PushRejection = { ok: false; status: 400 | 401 | 403 | 413; code: RefusalReason; reason: string };
export type PushAccepted = {
  ok: true;
  pushId: string;
  infoType: string;
  duplicate: boolean;
  /** Nothing left to do after the answer. */ processed: boolean;
};

const reject = (status: PushRejection["status"], code: RefusalReason, reason: string): PushRejection => ({
  ok: false,
  status,
  code,
  reason,
});

const crypto = () => {
  const { appid, token, encodingAesKey } = getEnv().component;
  return new MessageCrypto({ appid, token, encodingAesKey });
};

/** Verifies, decrypts, parses and checks the freshness of a push against `now`. Pure: nothing is stored. */
export function decodeComponentPush({
  query,
  body,
  now = new Date(),
}: {
  query: URLSearchParams;
  body: string;
  now?: Date;
}): { push: ComponentPush; xml: string } | PushRejection {
  if (Buffer.byteLength(body, "utf8") > MAX_PUSH_BYTES) return reject(413, "too_large", `body larger than ${MAX_PUSH_BYTES} bytes`);
  const msgSignature = query.get("msg_signature");
  const timestamp = query.get("timestamp");
  const nonce = query.get("nonce");
  if (!msgSignature || !timestamp || !nonce)
    return reject(400, "missing_parameters", "missing msg_signature, timestamp or nonce in the query");
  const expectedAppid = getEnv().component.appid;
  try {
    const envelope = parseEnvelope(body);
    if (envelope.appid !== undefined && envelope.appid !== expectedAppid)
      return reject(403, "wrong_recipient", `push is for component ${envelope.appid}, not ${expectedAppid}`);
    const xml = crypto().decryptVerified({ msgSignature, timestamp, nonce, encrypt: envelope.encrypt });
    const push = parseComponentPush(xml);
    if (push.AppId !== expectedAppid)
      return reject(403, "wrong_recipient", `decrypted push is for component ${push.AppId}, not ${expectedAppid}`);
    // Only now: an unsigned or foreign request is refused for that, whatever its timestamp.
    const stale = staleTimestampReason({ timestamp, now, windowSeconds: getEnv().pushWindowSeconds });
    if (stale) return reject(401, "stale", stale);
    return { push, xml };
  } catch (error) {
    if (error instanceof WeChatCryptoError) {
      const message = `${error.message} (${error.code})`;
      if (error.code === -40001) return reject(401, "bad_signature", message);
      if (error.code === -40005) return reject(403, "wrong_recipient", message);
      return reject(400, "malformed", message);
    }
    throw error;
  }
}

/**
 * The insert of a push, its values from $`first` on (pushValues gives them in order). A redelivery
 * (the same dedupe key) inserts nothing and returns no row.
 */
const insertPush = (first: number) => {
  const [dedupeKey, appid, infoType, authorizerAppid, createTime, payload, enc, keyId, processedAt] = Array.from(
    { length: 9 },
    (_, n) => `$${first + n}`,
  );
  return `INSERT INTO received_pushes (id, dedupe_key, component_appid, info_type, authorizer_appid, create_time, payload, payload_enc, payload_key_id, processed_at)
VALUES (gen_random_uuid(), ${dedupeKey}, ${appid}, ${infoType}, ${authorizerAppid}, ${createTime}, ${payload}::jsonb, ${enc}, ${keyId}, ${processedAt}::timestamptz)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id`;
};

/** `processedAt`: applied as it was stored (else null: processed after the answer). */
function pushValues({
  push,
  dedupeKey,
  xml,
  processedAt,
}: {
  push: ComponentPush;
  dedupeKey: string;
  xml: string;
  processedAt: Date | null;
}) {
  const sealed = sealPushPayload({ dedupeKey, xml });
  const authorizerAppid = push.known && "AuthorizerAppid" in push ? push.AuthorizerAppid : null;
  return [
    dedupeKey,
    push.AppId,
    push.InfoType,
    authorizerAppid,
    push.createdAt,
    JSON.stringify(maskPush(push)),
    sealed.ciphertext,
    sealed.keyId,
    processedAt,
  ];
}

const STORE_PUSH = insertPush(1);

/**
 * An unauthorized push stored and ordered in one statement ($1-$3 the ordering's, then the push's):
 * `id` is null for a redelivery, whose transaction is rolled back.
 */
const STORE_REVOCATION = `
WITH stored AS (${insertPush(4)}), ${LIFECYCLE_ORDER.cte}
SELECT (SELECT id FROM stored) AS id, ${LIFECYCLE_ORDER.result}`;

/** Thrown to roll back the ordering of a push that turned out to be a redelivery. */
class Redelivery extends Error {}

/**
 * An unauthorized push, stored and applied in one transaction: the account is revoked (or the
 * push found superseded) by the time WeChat hears `success`. Null when applying failed for
 * another reason than the database being unreachable: the caller stores it for processing later,
 * which retries and keeps the error.
 */
async function storeRevocation(push: UnauthorizedPush & { known: true }, xml: string): Promise<PushAccepted | null> {
  const dedupeKey = dedupeKeyFor(push);
  const revocation = { authorizerAppid: push.AuthorizerAppid, at: push.createdAt, source: "push" } as const;
  try {
    const applied = await transaction(async (sql) => {
      const [row] = await sql.$queryRawUnsafe<(LifecycleOrderRow & { id: string | null })[]>(
        STORE_REVOCATION,
        ...LIFECYCLE_ORDER.params(push.AuthorizerAppid, revocationChange(revocation)),
        ...pushValues({ push, dedupeKey, xml, processedAt: new Date() }),
      );
      if (!row?.id) throw new Redelivery();
      const ordered = LIFECYCLE_ORDER.read(row);
      const outcome = await applyRevocation(sql, revocation, ordered);
      if (outcome === "superseded") {
        const stored = { id: row.id, infoType: push.InfoType, createTime: push.createdAt };
        await markSuperseded(sql, { row: stored, handled: { superseded: true, appid: push.AuthorizerAppid, current: ordered.watermark } });
      }
      return { pushId: row.id, outcome };
    });
    reportRevocation(applied.outcome, revocation);
    return { ok: true, pushId: applied.pushId, infoType: push.InfoType, duplicate: false, processed: true };
  } catch (error) {
    if (error instanceof Redelivery) return storedBefore(push, dedupeKey);
    if (isDatabaseUnavailable(error)) throw error;
    logger.warn(
      { err: error, authorizerAppid: push.AuthorizerAppid },
      "could not apply an unauthorized push as it arrived; stored for later",
    );
    return null;
  }
}

/**
 * Stores a decoded push once; a redelivery finds the stored one. Database errors propagate (→ 5xx).
 * A push that needs no WeChat call is applied in the same transaction as it is stored, so it needs
 * no work after the answer: a ticket (the bulk of all traffic: one every 10 minutes, forever) and
 * an unauthorized.
 */
export async function storeComponentPush({ push, xml }: { push: ComponentPush; xml: string }): Promise<PushAccepted> {
  if (push.known && push.InfoType === "component_verify_ticket") return storeTicket(push, xml);
  if (push.known && push.InfoType === "unauthorized") {
    const applied = await storeRevocation(push, xml);
    if (applied) return applied;
  }
  return storePush({ push, xml });
}

/**
 * Stores a push for processing after the answer (processStoredPush), in one statement on the pool:
 * a grant's push (its processing calls WeChat), or one that could not be applied as it arrived.
 */
export async function storePush({ push, xml }: { push: ComponentPush; xml: string }): Promise<PushAccepted> {
  const dedupeKey = dedupeKeyFor(push);
  const [row] = await sql().$queryRawUnsafe<{ id: string }[]>(STORE_PUSH, ...pushValues({ push, dedupeKey, xml, processedAt: null }));
  if (row) return { ok: true, pushId: row.id, infoType: push.InfoType, duplicate: false, processed: false };
  return storedBefore(push, dedupeKey);
}

/**
 * A ticket push stored and applied in one statement: the push ($1-$9), the gap check ($10, $11:
 * it compares with when the previous ticket reached us, so it reads the row before the update) and
 * the ticket itself when it is newer ($12, $13; `applied` says whether it was, by its fresh
 * ciphertext). A redelivery stores nothing and changes nothing.
 */
const STORE_TICKET = `
WITH stored AS (${insertPush(1)}), ticket AS (
  UPDATE components SET ${ticketGapSet({ now: "$10", gapBefore: "$11" })},
    ${newerTicketSet({ enc: "$12", keyId: "$13", createTime: "$5", receivedAt: "$10" })}, updated_at = now()
  WHERE appid = $2 AND EXISTS (SELECT 1 FROM stored)
  RETURNING verify_ticket_enc = $12 AS applied
)
SELECT (SELECT id FROM stored) AS id, COALESCE((SELECT applied FROM ticket), false) AS applied`;

async function storeTicket(ticket: ComponentVerifyTicketPush & { known: true }, xml: string): Promise<PushAccepted> {
  const dedupeKey = dedupeKeyFor(ticket);
  const now = new Date();
  const [row] = await sql().$queryRawUnsafe<{ id: string | null; applied: boolean }[]>(
    STORE_TICKET,
    ...pushValues({ push: ticket, dedupeKey, xml, processedAt: now }),
    ...ticketGapValues(now),
    ...newerTicketValues({ appid: ticket.AppId, ticket: ticket.ComponentVerifyTicket }),
  );
  if (!row?.id) return storedBefore(ticket, dedupeKey);
  // No component row yet (a first start), or an older ticket: the careful path decides.
  if (!row.applied) await recordVerifyTicket({ appid: ticket.AppId, ticket: ticket.ComponentVerifyTicket, createTime: ticket.createdAt });
  return { ok: true, pushId: row.id, infoType: ticket.InfoType, duplicate: false, processed: true };
}

/** A redelivery: the push as stored the first time. */
async function storedBefore(push: ComponentPush, dedupeKey: string): Promise<PushAccepted> {
  const [existing] = await sql().$queryRawUnsafe<{ id: string; processed: boolean }[]>(
    "SELECT id, processed_at IS NOT NULL AS processed FROM received_pushes WHERE dedupe_key = $1",
    dedupeKey,
  );
  if (!existing) throw new Error(`push ${push.InfoType} was neither stored nor found by its dedupe key`);
  return { ok: true, pushId: existing.id, infoType: push.InfoType, duplicate: true, processed: existing.processed };
}

/** The whole receiving side: what the route answers depends only on this. */
export function receiveComponentPush(input: { query: URLSearchParams; body: string; now?: Date }): Promise<PushAccepted | PushRejection> {
  return acceptComponentPush(input).finally(startIngressTimer("event_url"));
}

async function acceptComponentPush(input: { query: URLSearchParams; body: string; now?: Date }): Promise<PushAccepted | PushRejection> {
  const decoded = decodeComponentPush(input);
  if ("ok" in decoded) {
    countPush("refused", decoded.code);
    return decoded;
  }
  let stored: PushAccepted;
  try {
    stored = await storeComponentPush(decoded);
  } catch (error) {
    // Answered 503: if WeChat's retries fail as well, this push is lost.
    countPush("failed");
    noteStoreFailure();
    throw error;
  }
  countPush(stored.duplicate ? "deduplicated" : "accepted");
  await reportStoreRecovery();
  return stored;
}

type Handled = { superseded: false } | { superseded: true; appid: string; current: Date | null };

const APPLIED: Handled = { superseded: false };

/** The account's watermark when `push` is older than it: the push changes nothing. */
async function newerStateThan(push: { AuthorizerAppid: string; createdAt: Date }): Promise<Handled> {
  const row = await db().authorizer.findUnique({ where: { appid: push.AuthorizerAppid }, select: { lifecycleEventAt: true } });
  const current = row?.lifecycleEventAt ?? null;
  return current && push.createdAt < current ? { superseded: true, appid: push.AuthorizerAppid, current } : APPLIED;
}

async function handleGrant(push: AuthorizedPush): Promise<Handled> {
  // A code already exchanged (the callback was first) is no news, whatever its CreateTime says.
  const used = await db().authorizationCodeUse.findUnique({
    where: { codeHash: hashCode(push.AuthorizationCode) },
    select: { authorizerAppid: true },
  });
  if (!used?.authorizerAppid) {
    // Checked before query_auth, so a late push does not spend its code (nor rotate the account's token).
    const newer = await newerStateThan(push);
    if (newer.superseded) return newer;
  }
  try {
    await completeAuthorization({
      authCode: push.AuthorizationCode,
      source: "push",
      preAuthCode: push.PreAuthCode || undefined,
      eventAt: push.createdAt,
    });
    return APPLIED;
  } catch (error) {
    // A newer change landed between the check above and the transaction.
    if (error instanceof SupersededChangeError) return { superseded: true, appid: error.appid, current: null };
    throw error;
  }
}

async function handle(push: ComponentPush): Promise<Handled> {
  if (!push.known) return APPLIED;
  switch (push.InfoType) {
    case "component_verify_ticket":
      await recordVerifyTicket({ appid: push.AppId, ticket: push.ComponentVerifyTicket, createTime: push.createdAt });
      return APPLIED;
    case "authorized":
    case "updateauthorized":
      return handleGrant(push);
    case "unauthorized": {
      // Never query_auth here: there is no code, and the account is gone.
      const outcome = await markAuthorizerRevoked({ authorizerAppid: push.AuthorizerAppid, at: push.createdAt, source: "push" });
      return outcome === "superseded" ? { superseded: true, appid: push.AuthorizerAppid, current: null } : APPLIED;
    }
    case "notify_third_fasteregister":
      return APPLIED; // stored for the console; nothing to act on yet
  }
}

const MARK_SUPERSEDED = `
WITH done AS (
  UPDATE received_pushes SET processed_at = $2, superseded_at = $2, lease_until = NULL, error = NULL WHERE id = $1::uuid
)
INSERT INTO audit_logs (actor_type, action, target, details) VALUES ('wechat', 'authorizer.push_superseded', $3, $4::jsonb)`;

/** Done, and changed nothing: the push record says so, and so does the account's timeline (one statement on `sql`). */
async function markSuperseded(
  sql: Sql,
  { row, handled }: { row: { id: string; infoType: string; createTime: Date }; handled: Handled & { superseded: true } },
) {
  const [watermark] = handled.current
    ? [{ at: handled.current }]
    : await sql.$queryRawUnsafe<{ at: Date | null }[]>("SELECT lifecycle_event_at AS at FROM authorizers WHERE appid = $1", handled.appid);
  const current = watermark?.at ?? null;
  const details = {
    pushId: row.id,
    infoType: row.infoType,
    createTime: row.createTime.toISOString(),
    newerStateAt: current?.toISOString() ?? null,
  };
  await sql.$queryRawUnsafe(MARK_SUPERSEDED, row.id, new Date(), handled.appid, JSON.stringify(details));
  logger.info(
    { pushId: row.id, infoType: row.infoType, authorizerAppid: handled.appid },
    "push older than the account's state; superseded",
  );
}

type ClaimedPush = {
  id: string;
  dedupeKey: string;
  infoType: string;
  createTime: Date;
  payloadEnc: string;
  payloadKeyId: string;
  attempts: number;
};

const CLAIM_PUSH = `
UPDATE received_pushes SET lease_until = $2, attempts = attempts + 1
WHERE id = $1::uuid AND processed_at IS NULL AND (lease_until IS NULL OR lease_until < $3)
RETURNING id, dedupe_key AS "dedupeKey", info_type AS "infoType", create_time AS "createTime", payload_enc AS "payloadEnc",
          payload_key_id AS "payloadKeyId", attempts`;

const MARK_PROCESSED = "UPDATE received_pushes SET processed_at = $2, lease_until = NULL, error = NULL WHERE id = $1::uuid";

/** Processes one stored push unless it is done or another processor holds it. */
export async function processStoredPush(pushId: string): Promise<"processed" | "skipped" | "failed"> {
  const prisma = db();
  const now = new Date();
  // Claimed and read in one statement.
  const [row] = await sql().$queryRawUnsafe<ClaimedPush[]>(CLAIM_PUSH, pushId, new Date(now.getTime() + LEASE_MS), now);
  if (!row) return "skipped";
  try {
    const xml = openPushPayload({ dedupeKey: row.dedupeKey, sealed: { ciphertext: row.payloadEnc, keyId: row.payloadKeyId } });
    const handled = await handle(parseComponentPush(xml));
    if (handled.superseded) await markSuperseded(sql(), { row, handled });
    else await sql().$queryRawUnsafe(MARK_PROCESSED, pushId, new Date());
    return "processed";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error({ err: error, pushId, infoType: row.infoType, attempts: row.attempts }, "processing a stored push failed");
    await prisma.receivedPush.updateMany({ where: { id: pushId }, data: { leaseUntil: null, error: message.slice(0, 2000) } });
    return "failed";
  }
}

/** The sweep: pushes stored but not processed (a crash, an upstream failure) get another go. */
export async function processPendingPushes({ olderThanMs }: { olderThanMs: number }): Promise<number> {
  const pending = await db().receivedPush.findMany({
    where: { processedAt: null, attempts: { lt: MAX_PROCESSING_ATTEMPTS }, receivedAt: { lt: new Date(Date.now() - olderThanMs) } },
    orderBy: { receivedAt: "asc" },
    take: 100,
    select: { id: true },
  });
  let processed = 0;
  for (const { id } of pending) if ((await processStoredPush(id)) === "processed") processed++;
  return processed;
}
