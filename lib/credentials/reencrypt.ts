// Retiring an encryption key: every sealed value in the database (SEALED_COLUMNS) that is not under
// the first key of TOKEN_ENCRYPTION_KEY is opened with the key that sealed it and sealed again
// under the first one (`npm run keys:reencrypt`). Afterwards no row needs the older keys, so they
// can leave TOKEN_ENCRYPTION_KEY without losing anything.
//
// Safe beside running portals: rows are read in batches (keyset on the primary key) and each one is
// written back only if it still holds the ciphertext that was read (compare-and-set in one UPDATE
// per batch), so a refresh that wrote a new token meanwhile is never overwritten; that row counts
// as "changed meanwhile" (the refresh sealed it under the first key of its own configuration).
// Idempotent: a second run finds nothing to do. The plaintext never leaves this process's memory.
import { getDatabase, type SqlSession } from "../db";
import { getEnv, type EncryptionKey } from "../env";
import { accessContext, jsapiTicketContext, refreshContext } from "./authorizer-credentials";
import { verifyTicketContext } from "./component-ticket";
import { componentTokenContext } from "./component-token";
import { payloadContext } from "./push-payload";
import { reseal, VaultError, type Sealed } from "./vault";
import { SECRET_CONTEXT as webhookSecretContext } from "../webhooks/send";

type Row = Record<string, string>;

/** One sealed value: `<value>_enc` holds the ciphertext and `<value>_key_id` the key that sealed it. */
export type SealedColumn = {
  table: string;
  value: string;
  primaryKey: string;
  primaryKeyType: "text" | "uuid";
  /** Other columns the context is built from. */
  contextColumns?: string[];
  /** The associated data it was sealed with, exactly as its owner binds it. */
  context: (row: Row) => string;
};

/** A value of a table keyed by an appid, sealed with a context built from that appid. */
const keyedByAppid = (table: string, primaryKey: string, value: string, context: (appid: string) => string): SealedColumn => ({
  table,
  value,
  primaryKey,
  primaryKeyType: "text",
  context: (row) => context(row[primaryKey]!),
});

// Contexts from their owners: component-ticket.ts, component-token.ts, authorizer-credentials.ts
// and push-payload.ts. The re-encryption test checks that every *_enc column of the schema is listed.
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  keyedByAppid("components", "appid", "verify_ticket", verifyTicketContext),
  keyedByAppid("components", "appid", "access_token", componentTokenContext),
  keyedByAppid("authorizer_credentials", "authorizer_appid", "access_token", accessContext),
  keyedByAppid("authorizer_credentials", "authorizer_appid", "refresh_token", refreshContext),
  keyedByAppid("authorizer_credentials", "authorizer_appid", "jsapi_ticket", jsapiTicketContext),
  {
    table: "received_pushes",
    value: "payload",
    primaryKey: "id",
    primaryKeyType: "uuid",
    contextColumns: ["dedupe_key"],
    context: (row) => payloadContext(row.dedupe_key!),
  },
  // Webhook signing secrets (the current one, and the one a rotation keeps signing for a while).
  ...["secret", "previous_secret"].map((value): SealedColumn => ({
    table: "webhook_endpoints",
    value,
    primaryKey: "id",
    primaryKeyType: "uuid",
    context: () => webhookSecretContext,
  })),
];

export const DEFAULT_BATCH_SIZE = 500;

export type ColumnResult = {
  table: string;
  value: string;
  /** Rows found under an older key. */
  examined: number;
  reencrypted: number;
  /** Written by someone else between read and write: left as they are now. */
  changedMeanwhile: number;
  /** No configured key opens them (a key id already removed, or a damaged value): listed by primary key. */
  unreadable: string[];
};

export type ReencryptResult = {
  keyId: string;
  columns: ColumnResult[];
  /** After the run: how many values each older key id still seals (empty: the older keys can go). */
  remaining: Record<string, number>;
};

const q = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const encColumn = (column: SealedColumn) => q(`${column.value}_enc`);
const keyIdColumn = (column: SealedColumn) => q(`${column.value}_key_id`);
/** "authorizer_credentials.refresh_token" */
export const sealedColumnLabel = (column: { table: string; value: string }) => `${column.table}.${column.value}`;

/** Values each key id other than `keyId` still seals, per key id. */
export async function countUnderOlderKeys({ keyId = getEnv().encryptionKeys[0].id }: { keyId?: string } = {}): Promise<
  Record<string, number>
> {
  return getDatabase().withSession(async (session) => {
    const totals: Record<string, number> = {};
    for (const column of SEALED_COLUMNS) {
      const rows = await session.query<{ key_id: string; count: string }>(
        `SELECT ${keyIdColumn(column)} AS key_id, count(*)::text AS count FROM ${q(column.table)}
         WHERE ${encColumn(column)} IS NOT NULL AND ${keyIdColumn(column)} IS NOT NULL AND ${keyIdColumn(column)} <> $1
         GROUP BY 1`,
        [keyId],
      );
      for (const row of rows) totals[row.key_id] = (totals[row.key_id] ?? 0) + Number(row.count);
    }
    return totals;
  });
}

type Rewrite = { pk: string; old: Sealed; next: Sealed };

async function reencryptColumn(
  session: SqlSession,
  column: SealedColumn,
  { keys, batchSize, beforeWrite }: { keys: readonly EncryptionKey[]; batchSize: number; beforeWrite?: BeforeWrite },
): Promise<ColumnResult> {
  const result: ColumnResult = {
    table: column.table,
    value: column.value,
    examined: 0,
    reencrypted: 0,
    changedMeanwhile: 0,
    unreadable: [],
  };
  const newest = keys[0]!.id;
  const pk = q(column.primaryKey);
  const extra = (column.contextColumns ?? []).map((name) => `, ${q(name)}`).join("");
  let after: string | null = null;
  for (;;) {
    const rows: Row[] = await session.query<Row>(
      `SELECT ${pk}::text AS ${pk}${extra}, ${encColumn(column)} AS enc, ${keyIdColumn(column)} AS key_id
       FROM ${q(column.table)}
       WHERE ${encColumn(column)} IS NOT NULL AND ${keyIdColumn(column)} IS NOT NULL AND ${keyIdColumn(column)} <> $1
         AND ($2::${column.primaryKeyType} IS NULL OR ${pk} > $2::${column.primaryKeyType})
       ORDER BY ${pk} LIMIT $3`,
      [newest, after, batchSize],
    );
    if (rows.length === 0) return result;
    after = rows.at(-1)![column.primaryKey]!;
    result.examined += rows.length;

    const rewrites: Rewrite[] = [];
    for (const row of rows) {
      const old = { ciphertext: row.enc!, keyId: row.key_id! };
      try {
        rewrites.push({ pk: row[column.primaryKey]!, old, next: reseal({ sealed: old, context: column.context(row), keys }) });
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        result.unreadable.push(row[column.primaryKey]!);
      }
    }
    if (rewrites.length === 0) continue;
    await beforeWrite?.({ table: column.table, value: column.value, primaryKeys: rewrites.map((rewrite) => rewrite.pk) });
    // One statement per batch; each row only if it still holds what was read.
    const written = await session.query(
      `UPDATE ${q(column.table)} AS t SET ${encColumn(column)} = u.next_enc, ${keyIdColumn(column)} = $4
       FROM unnest($1::${column.primaryKeyType}[], $2::text[], $3::text[], $5::text[]) AS u(pk, old_enc, next_enc, old_key_id)
       WHERE t.${pk} = u.pk AND t.${encColumn(column)} = u.old_enc AND t.${keyIdColumn(column)} = u.old_key_id
       RETURNING t.${pk}`,
      [
        rewrites.map((rewrite) => rewrite.pk),
        rewrites.map((rewrite) => rewrite.old.ciphertext),
        rewrites.map((rewrite) => rewrite.next.ciphertext),
        newest,
        rewrites.map((rewrite) => rewrite.old.keyId),
      ],
    );
    result.reencrypted += written.length;
    result.changedMeanwhile += rewrites.length - written.length;
  }
}

/** Called between reading a batch and writing it back (tests use it to write concurrently). */
export type BeforeWrite = (batch: { table: string; value: string; primaryKeys: string[] }) => Promise<void>;

/** Re-encrypts every sealed value not under `keys[0]`, in batches; see the file's header. */
export async function reencryptAll({
  keys = getEnv().encryptionKeys,
  batchSize = DEFAULT_BATCH_SIZE,
  onColumn,
  beforeWrite,
}: {
  keys?: readonly EncryptionKey[];
  batchSize?: number;
  /** Progress: each column's result as it is done. */
  onColumn?: (result: ColumnResult) => void;
  beforeWrite?: BeforeWrite;
} = {}): Promise<ReencryptResult> {
  const newest = keys[0];
  if (!newest) throw new VaultError("no encryption key configured");
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be a positive integer");
  const columns: ColumnResult[] = [];
  for (const column of SEALED_COLUMNS) {
    // A session per column: long runs do not hold one connection throughout.
    const result = await getDatabase().withSession((session) => reencryptColumn(session, column, { keys, batchSize, beforeWrite }));
    columns.push(result);
    onColumn?.(result);
  }
  return { keyId: newest.id, columns, remaining: await countUnderOlderKeys({ keyId: newest.id }) };
}
