// API keys for the provider's own services (the token centre, /api/v1). A key is 256 random bits,
// shown once at creation; only its SHA-256 and a short prefix (so staff can tell keys apart) are
// stored. Looking a key up by its hash needs no constant-time compare: the hash of a 256-bit secret
// tells an attacker nothing they could use to guess it. Each key has a scope (scopes.ts).
import { createHash, randomBytes } from "node:crypto";
import type { ActorType, TokenIssuanceKind } from "../generated/prisma/enums";
import { recordAudit } from "../audit";
import { db } from "../db";
import { recordApiKeyUse } from "./issuance";
import { tokenCentreMemory } from "./memory";
import {
  apiKeyScopeSchema,
  describeScope,
  scopeColumns,
  scopeFromColumns,
  type ApiKeyScope,
  type ApiKeyScopeInput,
  type ScopeColumns,
} from "./scopes";

const KEY_PREFIX = "cpk_";
/** "cpk_" + 43 base64url characters (32 bytes). */
const KEY_PATTERN = /^cpk_[A-Za-z0-9_-]{43}$/;
/** What is kept in clear: "cpk_" + 8 characters, 48 bits: enough to tell keys apart, useless to guess. */
const PREFIX_LENGTH = 12;

export type Actor = { actorType: ActorType; actorId?: string | null; ip?: string | null };

export type ApiKeySummary = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  /** Written with the usage counts, a few seconds behind (issuance.ts). */
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  scope: ApiKeyScope;
};

export type AuthenticatedKey = { id: string; name: string; prefix: string; scope: ApiKeyScope };

export type KeyCheck = { ok: true; key: AuthenticatedKey } | { ok: false; reason: "malformed" | "unknown" | "revoked"; prefix?: string };

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export const looksLikeApiKey = (value: string) => KEY_PATTERN.test(value);

const summarySelect = {
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  componentScope: true,
  allAuthorizers: true,
  authorizerAppids: true,
  readOnly: true,
  hubScope: true,
} as const;

type SummaryRow = Omit<ApiKeySummary, "scope"> & ScopeColumns;

const toSummary = ({ componentScope, allAuthorizers, authorizerAppids, readOnly, hubScope, ...row }: SummaryRow): ApiKeySummary => ({
  ...row,
  scope: scopeFromColumns({ componentScope, allAuthorizers, authorizerAppids, readOnly, hubScope }),
});

/** Creates a key with `scope` (no hub unless it says so). The returned `key` is the only copy: it cannot be shown again. */
export async function createApiKey({
  name,
  scope,
  createdById = null,
  actor,
}: {
  name: string;
  scope: ApiKeyScopeInput;
  createdById?: string | null;
  actor: Actor;
}): Promise<ApiKeySummary & { key: string }> {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed.length > 200) throw new RangeError("an API key needs a name of 1 to 200 characters");
  const checked = apiKeyScopeSchema.safeParse(scope);
  if (!checked.success) throw new RangeError(`invalid scope: ${checked.error.issues.map((issue) => issue.message).join("; ")}`);
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const prefix = key.slice(0, PREFIX_LENGTH);
  const row = toSummary(
    await db().apiKey.create({
      data: { name: trimmed, prefix, keyHash: hashApiKey(key), createdById, ...scopeColumns(checked.data) },
      select: summarySelect,
    }),
  );
  await recordAudit({
    ...actor,
    action: "api_key.created",
    target: `api_key:${row.id}`,
    details: { name: trimmed, prefix, scope: describeScope(row.scope) },
  });
  return { ...row, key };
}

export async function listApiKeys(): Promise<ApiKeySummary[]> {
  return (await db().apiKey.findMany({ select: summarySelect, orderBy: { createdAt: "desc" } })).map(toSummary);
}

export class ApiKeyNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiKeyNotFoundError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key named by its id or its whole prefix (as `list` shows it); refuses an ambiguous prefix. */
export async function findApiKey(idOrPrefix: string): Promise<ApiKeySummary> {
  // The id column is a uuid: PostgreSQL rejects any other text there, so prefixes never reach it.
  if (UUID.test(idOrPrefix)) {
    const row = await db().apiKey.findUnique({ where: { id: idOrPrefix.toLowerCase() }, select: summarySelect });
    if (row) return toSummary(row);
  }
  const rows = await db().apiKey.findMany({ where: { prefix: idOrPrefix }, select: summarySelect, take: 2 });
  if (rows.length > 1) throw new ApiKeyNotFoundError(`"${idOrPrefix}" is the prefix of several keys: give the id instead.`);
  const [row] = rows;
  if (!row) throw new ApiKeyNotFoundError(`No API key with id or prefix "${idOrPrefix}".`);
  return toSummary(row);
}

/** Revokes a key for good. Revoking a revoked key changes nothing and is not audited twice. */
export async function revokeApiKey({
  idOrPrefix,
  actor,
}: {
  idOrPrefix: string;
  actor: Actor;
}): Promise<ApiKeySummary & { alreadyRevoked: boolean }> {
  const found = await findApiKey(idOrPrefix.trim());
  if (found.revokedAt) return { ...found, alreadyRevoked: true };
  const { count } = await db().apiKey.updateMany({ where: { id: found.id, revokedAt: null }, data: { revokedAt: new Date() } });
  // Other instances hear it from the trigger's notice; this one forgets the key before it returns.
  tokenCentreMemory().keys.notice(undefined, (value) => value.id === found.id);
  const row = toSummary(await db().apiKey.findUniqueOrThrow({ where: { id: found.id }, select: summarySelect }));
  if (count === 0) return { ...row, alreadyRevoked: true };
  await recordAudit({ ...actor, action: "api_key.revoked", target: `api_key:${row.id}`, details: { name: row.name, prefix: row.prefix } });
  return { ...row, alreadyRevoked: false };
}

async function checkByHash(keyHash: string): Promise<{ id: string; check: KeyCheck }> {
  const row = await db().apiKey.findUnique({ where: { keyHash }, select: summarySelect });
  if (!row) return { id: "", check: { ok: false, reason: "unknown" } };
  if (row.revokedAt) return { id: row.id, check: { ok: false, reason: "revoked", prefix: row.prefix } };
  const { id, name, prefix, scope } = toSummary(row);
  return { id, check: { ok: true, key: { id, name, prefix, scope } } };
}

/**
 * Checks a presented key by its hash, from memory when that can be proven fresh (memory.ts: every
 * instance hears a revocation when it commits, and no answer is older than KEY_TTL_MS), else with
 * one look-up. Unknown keys are not kept: guessing must not fill the memory. A valid key's use is
 * noted in memory (last_used_at is written with the next flush).
 */
export async function verifyApiKey({ presented, now = new Date() }: { presented: string; now?: Date }): Promise<KeyCheck> {
  if (!looksLikeApiKey(presented)) return { ok: false, reason: "malformed" };
  const keyHash = hashApiKey(presented);
  const memory = tokenCentreMemory();
  const { listener, keys } = memory;
  const found =
    (listener.listening ? keys.get(keyHash) : undefined) ??
    (await keys.fill(
      keyHash,
      () => checkByHash(keyHash),
      (value) => listener.listening && value.id !== "",
    ));
  if (found.check.ok) recordApiKeyUse({ apiKeyId: found.check.key.id, at: now });
  return found.check;
}

export type ApiKeyUsage = {
  kind: TokenIssuanceKind;
  /** The authorizer's appid, or the component's for component_token. */
  target: string;
  /** The authorizer's name, when it is one we know. */
  targetName: string | null;
  count: number;
  firstAt: Date;
  lastAt: Date;
};

type UsageRow = { apiKeyId: string; kind: TokenIssuanceKind; target: string; count: bigint; firstAt: Date; lastAt: Date };

const toUsage = (row: UsageRow, names: Map<string, string | null>): ApiKeyUsage => ({
  kind: row.kind,
  target: row.target,
  targetName: names.get(row.target) ?? null,
  count: Number(row.count),
  firstAt: row.firstAt,
  lastAt: row.lastAt,
});

async function authorizerNames(appids: string[]): Promise<Map<string, string | null>> {
  if (appids.length === 0) return new Map();
  const rows = await db().authorizer.findMany({ where: { appid: { in: [...new Set(appids)] } }, select: { appid: true, nickName: true } });
  return new Map(rows.map((row) => [row.appid, row.nickName]));
}

/** What one key was handed, per target and kind, most used first (as of the last flush). */
export async function getApiKeyUsage(idOrPrefix: string): Promise<{ key: ApiKeySummary; usage: ApiKeyUsage[] }> {
  const key = await findApiKey(idOrPrefix.trim());
  const rows = await db().apiKeyIssuance.findMany({ where: { apiKeyId: key.id }, orderBy: [{ count: "desc" }, { target: "asc" }] });
  const names = await authorizerNames(rows.map((row) => row.target));
  return { key, usage: rows.map((row) => toUsage(row, names)) };
}

export type ApiKeyUsageSummary = { targets: number; issued: number; top: ApiKeyUsage[] };

/** For the console's list: per key, how many targets and tokens, and the `top` most used (target, kind) pairs. */
export async function summarizeApiKeyUsage({ top = 10 }: { top?: number } = {}): Promise<Map<string, ApiKeyUsageSummary>> {
  const [totals, rows] = await Promise.all([
    db().$queryRaw<{ apiKeyId: string; targets: bigint; issued: bigint }[]>`
      SELECT api_key_id AS "apiKeyId", count(DISTINCT target) AS targets, sum(count)::bigint AS issued
      FROM api_key_issuances GROUP BY api_key_id`,
    db().$queryRaw<UsageRow[]>`
      SELECT "apiKeyId", kind, target, count, "firstAt", "lastAt" FROM (
        SELECT api_key_id AS "apiKeyId", kind::text AS kind, target, count, first_at AS "firstAt", last_at AS "lastAt",
               row_number() OVER (PARTITION BY api_key_id ORDER BY count DESC, target) AS rank
        FROM api_key_issuances) ranked
      WHERE rank <= ${top}
      ORDER BY "apiKeyId", count DESC, target`,
  ]);
  const names = await authorizerNames(rows.map((row) => row.target));
  const summaries = new Map<string, ApiKeyUsageSummary>(
    totals.map((row) => [row.apiKeyId, { targets: Number(row.targets), issued: Number(row.issued), top: [] }]),
  );
  for (const row of rows) summaries.get(row.apiKeyId)?.top.push(toUsage(row, names));
  return summaries;
}
