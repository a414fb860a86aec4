// API keys for the provider's own services (the token centre, /api/v1). A key is 256 random bits,
// shown once at creation; only its SHA-256 and a short prefix (so staff can tell keys apart) are
// stored. Looking a key up by its hash needs no constant-time compare: the hash of a 256-bit secret
// tells an attacker nothing they could use to guess it.
import { createHash, randomBytes } from "node:crypto";
import type { ActorType } from "../generated/prisma/enums";
import { recordAudit } from "../audit";
import { db } from "../db";

const KEY_PREFIX = "cpk_";
/** "cpk_" + 43 base64url characters (32 bytes). */
const KEY_PATTERN = /^cpk_[A-Za-z0-9_-]{43}$/;
/** What is kept in clear: "cpk_" + 8 characters, 48 bits: enough to tell keys apart, useless to guess. */
const PREFIX_LENGTH = 12;
/** lastUsedAt is written at most this often per key, so a busy service does not write on every call. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export type Actor = { actorType: ActorType; actorId?: string | null; ip?: string | null };

export type ApiKeySummary = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export type AuthenticatedKey = { id: string; name: string; prefix: string };

export type KeyCheck = { ok: true; key: AuthenticatedKey } | { ok: false; reason: "malformed" | "unknown" | "revoked"; prefix?: string };

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export const looksLikeApiKey = (value: string) => KEY_PATTERN.test(value);

const summarySelect = { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

/** Creates a key. The returned `key` is the only copy: it cannot be shown again. */
export async function createApiKey({
  name,
  createdById = null,
  actor,
}: {
  name: string;
  createdById?: string | null;
  actor: Actor;
}): Promise<ApiKeySummary & { key: string }> {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed.length > 200) throw new RangeError("an API key needs a name of 1 to 200 characters");
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = key.slice(0, PREFIX_LENGTH);
  const row = await db().apiKey.create({ data: { name: trimmed, prefix, keyHash: hashApiKey(key), createdById }, select: summarySelect });
  await recordAudit({ ...actor, action: "api_key.created", target: `api_key:${row.id}`, details: { name: trimmed, prefix } });
  return { ...row, key };
}

export async function listApiKeys(): Promise<ApiKeySummary[]> {
  return db().apiKey.findMany({ select: summarySelect, orderBy: { createdAt: "desc" } });
}

export class ApiKeyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiKeyNotFoundError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key named by its id or its whole prefix (as `list` shows it); refuses an ambiguous prefix. */
async function findKey(idOrPrefix: string): Promise<ApiKeySummary> {
  // The id column is a uuid: PostgreSQL rejects any other text there, so prefixes never reach it.
  if (UUID.test(idOrPrefix)) {
    const row = await db().apiKey.findUnique({ where: { id: idOrPrefix.toLowerCase() }, select: summarySelect });
    if (row) return row;
  }
  const rows = await db().apiKey.findMany({ where: { prefix: idOrPrefix }, select: summarySelect, take: 2 });
  if (rows.length > 1) throw new ApiKeyNotFoundError(`"${idOrPrefix}" is the prefix of several keys: give the id instead.`);
  const [row] = rows;
  if (!row) throw new ApiKeyNotFoundError(`No API key with id or prefix "${idOrPrefix}".`);
  return row;
}

/** Revokes a key for good. Revoking a revoked key changes nothing and is not audited twice. */
export async function revokeApiKey({
  idOrPrefix,
  actor,
}: {
  idOrPrefix: string;
  actor: Actor;
}): Promise<ApiKeySummary & { alreadyRevoked: boolean }> {
  const found = await findKey(idOrPrefix.trim());
  if (found.revokedAt) return { ...found, alreadyRevoked: true };
  const { count } = await db().apiKey.updateMany({ where: { id: found.id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await db().apiKey.findUniqueOrThrow({ where: { id: found.id }, select: summarySelect });
  if (count === 0) return { ...row, alreadyRevoked: true };
  await recordAudit({ ...actor, action: "api_key.revoked", target: `api_key:${row.id}`, details: { name: row.name, prefix: row.prefix } });
  return { ...row, alreadyRevoked: false };
}

/** Notes that the key was used, at most once per LAST_USED_RESOLUTION_MS across every instance. */
async function touchLastUsed({ id, lastUsedAt, now }: { id: string; lastUsedAt: Date | null; now: Date }): Promise<void> {
  const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  if (lastUsedAt && lastUsedAt > cutoff) return;
  await db().apiKey.updateMany({ where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: cutoff } }] }, data: { lastUsedAt: now } });
}

/** Checks a presented key; a valid one has its lastUsedAt brought up to date. */
export async function verifyApiKey({ presented, now = new Date() }: { presented: string; now?: Date }): Promise<KeyCheck> {
  if (!looksLikeApiKey(presented)) return { ok: false, reason: "malformed" };
  const row = await db().apiKey.findUnique({ where: { keyHash: hashApiKey(presented) }, select: { ...summarySelect } });
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revokedAt) return { ok: false, reason: "revoked", prefix: row.prefix };
  await touchLastUsed({ id: row.id, lastUsedAt: row.lastUsedAt, now });
  return { ok: true, key: { id: row.id, name: row.name, prefix: row.prefix } };
}
