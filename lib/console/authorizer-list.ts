// The console's list of authorized accounts, built to stay fast at 100,000 rows (bench/console-list.ts):
// one SQL query picks the page's appids (filters, sort and a keyset cursor, so page 2,000 costs what
// page 1 costs), a second loads just those rows with their permission sets and token columns, and the
// total is counted only up to COUNT_CAP (an exact count of a broad search would scan everything).
import { z } from "zod";
import { db } from "../db";
import { getEnv } from "../env";
import { Prisma } from "../generated/prisma/client";
import type { AccountType, AuthorizerStatus } from "../generated/prisma/enums";
import {
  ACCOUNT_KINDS,
  accountKindOf,
  tokenHealthOf,
  verificationOf,
  type AccountKind,
  type TokenHealth,
  type Verification,
} from "./authorizer-labels";
import { merchantRefSchema } from "../authorization/merchant-binding";
import { firstValue, optionalParam } from "./query-params";
import { AUTHORIZER_STATUSES } from "./statuses";

export const LIST_SORTS = ["authorized_desc", "authorized_asc", "name_asc", "name_desc"] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export const PAGE_SIZES = [20, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
/** The list as it opens: newest authorizations first, 50 a page. Its links leave these out of the query string. */
export const LIST_DEFAULTS = { sort: "authorized_desc", size: 50 } as const satisfies { sort: ListSort; size: PageSize };
/**
 * Counting stops here: "1,000+" tells staff to narrow the filter as well as an exact figure would,
 * and an exact count of a broad filter reads every matching row (the overview has exact totals by status).
 */
export const COUNT_CAP = 1_000;

type SortSpec = { column: "authorized_at" | "nick_name"; dir: "asc" | "desc" };
const SORTS: Record<ListSort, SortSpec> = {
  authorized_desc: { column: "authorized_at", dir: "desc" },
  authorized_asc: { column: "authorized_at", dir: "asc" },
  name_asc: { column: "nick_name", dir: "asc" },
  name_desc: { column: "nick_name", dir: "desc" },
};

/** Where a page starts or ends: the sort value of the edge row (ISO time or name; null for no name) and its appid. */
export type Cursor = { v: string | null; id: string };

const cursorSchema = z.object({ v: z.string().max(400).nullable(), id: z.string().min(1).max(64) });

export const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");

function decodeCursor(value: string): Cursor | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The page's query string (lib/console/query-params.ts: a filter that does not parse is dropped). */
export const listQuerySchema = z.object({
  q: optionalParam(z.string().trim().min(1).max(100)),
  kind: optionalParam(z.enum(ACCOUNT_KINDS)),
  status: optionalParam(z.enum(AUTHORIZER_STATUSES)),
  set: optionalParam(z.coerce.number().int().positive().max(100_000)),
  /** merchant_ref, matched exactly (the provider's own id, not a search). */
  merchant: optionalParam(merchantRefSchema),
  sort: z.preprocess(firstValue, z.enum(LIST_SORTS)).catch(LIST_DEFAULTS.sort),
  size: z.preprocess(firstValue, z.coerce.number().pipe(z.union(PAGE_SIZES.map((n) => z.literal(n))))).catch(LIST_DEFAULTS.size),
  after: optionalParam(z.string().max(1000)).transform((v) => (v ? decodeCursor(v) : undefined)),
  before: optionalParam(z.string().max(1000)).transform((v) => (v ? decodeCursor(v) : undefined)),
});
export type ListQuery = z.output<typeof listQuerySchema>;

export const parseListQuery = (params: Record<string, string | string[] | undefined>): ListQuery => listQuerySchema.parse(params);

/** Whether the list is narrowed (sort and page size only order it). */
export const isFiltered = (query: ListQuery): boolean =>
  !!(query.q || query.kind || query.status || query.set !== undefined || query.merchant);

/** The list's address for `query` from a cursor (none: its first page), the inverse of parseListQuery. */
export function listHref(query: ListQuery, cursor: { after?: string; before?: string } = {}): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.kind) params.set("kind", query.kind);
  if (query.status) params.set("status", query.status);
  if (query.set !== undefined) params.set("set", String(query.set));
  if (query.merchant) params.set("merchant", query.merchant);
  if (query.sort !== LIST_DEFAULTS.sort) params.set("sort", query.sort);
  if (query.size !== LIST_DEFAULTS.size) params.set("size", String(query.size));
  if (cursor.after) params.set("after", cursor.after);
  if (cursor.before) params.set("before", cursor.before);
  const search = params.toString();
  return `/console/authorizers${search ? `?${search}` : ""}`;
}

export type AuthorizerRow = {
  appid: string;
  nickName: string | null;
  headImg: string | null;
  principalName: string | null;
  userName: string | null;
  kind: AccountKind;
  accountType: AccountType;
  verification: Verification;
  status: AuthorizerStatus;
  authorizedAt: Date;
  revokedAt: Date | null;
  merchantRef: string | null;
  permissionSetIds: number[];
  token: TokenHealth;
};

export type AuthorizerPage = {
  rows: AuthorizerRow[];
  /** Matching accounts, at most COUNT_CAP (then `totalCapped`). */
  total: number;
  totalCapped: boolean;
  next: string | null;
  prev: string | null;
};

/** LIKE treats % and _ as wildcards; a name containing them is searched literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function kindFilter(kind: AccountKind): Prisma.Sql {
  if (kind === "subscription") return Prisma.sql`a.account_type = 'official_account' AND (a.service_type IS NULL OR a.service_type <> 2)`;
  if (kind === "service") return Prisma.sql`a.account_type = 'official_account' AND a.service_type = 2`;
  return Prisma.sql`a.account_type = ${kind}::"AccountType"`;
}

const FULL_APPID = /^wx[0-9a-f]{16}$/i;
const APPID_PREFIX = /^wx[0-9a-f]{0,15}$/i;

/**
 * A whole appid is looked up by key; the start of one (people paste "wx12…") also matches appids
 * from their start; anything else searches names. ILIKE case-folds every row, which is several
 * times slower than LIKE on Chinese text, and Chinese has no case: LIKE unless the query has Latin
 * letters.
 *
 * Names are found through the GIN index on console_name_grams(nick_name) (the migration
 * console_list_indexes): a name holding q holds every character pair of q (lower-cased, as ILIKE
 * compares). LIKE then checks the pairs stand in a row, and is the cheap test on rows read in sort
 * order (the pairs function costs far more a row). Wrapped in COALESCE, the planner counts it as
 * "about half the rows" rather than multiplying in its own selectivity: the two tests say nearly the
 * same thing, and multiplying made a common name (~6%) look rare enough to read every match and sort.
 */
function nameFilter(q: string): Prisma.Sql {
  const contains = `%${escapeLike(q)}%`;
  const like = /[A-Za-z]/.test(q) ? Prisma.sql`a.nick_name ILIKE ${contains}` : Prisma.sql`a.nick_name LIKE ${contains}`;
  return Prisma.sql`(console_name_grams(a.nick_name) @> console_search_grams(${q}) AND COALESCE(${like}, false))`;
}

function searchFilter(q: string): Prisma.Sql {
  if (FULL_APPID.test(q)) return Prisma.sql`a.appid = ${q.toLowerCase()}`;
  const name = nameFilter(q);
  if (!APPID_PREFIX.test(q)) return name;
  // lower(appid) LIKE is what the prefix index (lower(appid) text_pattern_ops) serves in any collation;
  // appid LIKE keeps the match exactly what it was. First, as the cheap test: a row whose appid
  // matches never computes its name's pairs.
  const prefix = `${q.toLowerCase()}%`;
  return Prisma.sql`((lower(a.appid) LIKE ${prefix} AND a.appid LIKE ${prefix}) OR ${name})`;
}

function filters(query: ListQuery, componentAppid: string): Prisma.Sql[] {
  const parts = [Prisma.sql`a.component_appid = ${componentAppid}`];
  if (query.status) parts.push(Prisma.sql`a.status = ${query.status}::"AuthorizerStatus"`);
  if (query.kind) parts.push(kindFilter(query.kind));
  if (query.set !== undefined) {
    parts.push(
      Prisma.sql`EXISTS (SELECT 1 FROM authorizer_permission_sets p WHERE p.authorizer_appid = a.appid AND p.funcscope_id = ${query.set})`,
    );
  }
  if (query.q) parts.push(searchFilter(query.q));
  if (query.merchant) parts.push(Prisma.sql`a.merchant_ref = ${query.merchant}`);
  return parts;
}

/**
 * Rows strictly after (or before) `cursor` in the order (column dir, appid dir), with PostgreSQL's own
 * NULL placement (NULL sorts above every name) so the btree indexes serve both directions. Only
 * nick_name can be NULL.
 */
function keyset({ sort, cursor, side }: { sort: SortSpec; cursor: Cursor; side: "after" | "before" }): Prisma.Sql {
  const col = Prisma.raw(`a.${sort.column}`);
  const value = sort.column === "authorized_at" ? Prisma.sql`${cursor.v}::timestamptz` : Prisma.sql`${cursor.v}`;
  const greater = (sort.dir === "asc") === (side === "after");
  if (greater) {
    if (cursor.v === null) return Prisma.sql`(${col} IS NULL AND a.appid > ${cursor.id})`;
    return Prisma.sql`(${col} > ${value} OR (${col} = ${value} AND a.appid > ${cursor.id}) OR ${col} IS NULL)`;
  }
  if (cursor.v === null) return Prisma.sql`(${col} IS NOT NULL OR a.appid < ${cursor.id})`;
  return Prisma.sql`(${col} < ${value} OR (${col} = ${value} AND a.appid < ${cursor.id}))`;
}

function orderBy(sort: SortSpec, reversed: boolean): Prisma.Sql {
  const dir = (sort.dir === "asc") !== reversed ? "ASC" : "DESC";
  return Prisma.raw(`a.${sort.column} ${dir}, a.appid ${dir}`);
}

type KeyRow = { appid: string; key: Date | string | null };

async function pageKeys(query: ListQuery, where: Prisma.Sql): Promise<{ keys: KeyRow[]; hasMore: boolean; reversed: boolean }> {
  const sort = SORTS[query.sort];
  const reversed = !query.after && !!query.before;
  const cursor = query.after ?? query.before;
  const conditions = cursor ? Prisma.sql`${where} AND ${keyset({ sort, cursor, side: reversed ? "before" : "after" })}` : where;
  const rows = await db().$queryRaw<KeyRow[]>`
    SELECT a.appid, a.${Prisma.raw(sort.column)} AS key FROM authorizers a
    WHERE ${conditions}
    ORDER BY ${orderBy(sort, reversed)}
    LIMIT ${query.size + 1}`;
  const hasMore = rows.length > query.size;
  const keys = rows.slice(0, query.size);
  return { keys: reversed ? keys.reverse() : keys, hasMore, reversed };
}

async function countCapped(where: Prisma.Sql): Promise<number> {
  const [row] = await db().$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM (SELECT 1 FROM authorizers a WHERE ${where} LIMIT ${COUNT_CAP + 1}) capped`;
  return row?.count ?? 0;
}

const cursorOf = (row: KeyRow): Cursor => ({ v: row.key instanceof Date ? row.key.toISOString() : row.key, id: row.appid });

async function loadRows(appids: string[], now: Date): Promise<AuthorizerRow[]> {
  if (appids.length === 0) return [];
  const found = await db().authorizer.findMany({
    where: { appid: { in: appids } },
    select: {
      appid: true,
      nickName: true,
      headImg: true,
      principalName: true,
      userName: true,
      accountType: true,
      serviceType: true,
      verifyType: true,
      status: true,
      authorizedAt: true,
      revokedAt: true,
      merchantRef: true,
      permissionSets: { select: { funcscopeId: true }, orderBy: { funcscopeId: "asc" } },
      // Never the sealed token columns: the list needs times and errors only.
      credential: {
        select: {
          accessTokenExpiresAt: true,
          lastRefreshedAt: true,
          lastErrorCode: true,
          lastError: true,
          lastErrorAt: true,
          disabledAt: true,
        },
      },
    },
  });
  const byAppid = new Map(found.map((row) => [row.appid, row]));
  return appids.flatMap((appid) => {
    const row = byAppid.get(appid);
    if (!row) return [];
    return [
      {
        appid: row.appid,
        nickName: row.nickName,
        headImg: row.headImg,
        principalName: row.principalName,
        userName: row.userName,
        kind: accountKindOf(row),
        accountType: row.accountType,
        verification: verificationOf(row.verifyType),
        status: row.status,
        authorizedAt: row.authorizedAt,
        revokedAt: row.revokedAt,
        merchantRef: row.merchantRef,
        permissionSetIds: row.permissionSets.map((set) => set.funcscopeId),
        token: tokenHealthOf(row.credential, now),
      },
    ];
  });
}

export async function listAuthorizers(query: ListQuery, { now = new Date() }: { now?: Date } = {}): Promise<AuthorizerPage> {
  const where = Prisma.join(filters(query, getEnv().component.appid), " AND ");
  const [page, total] = await Promise.all([pageKeys(query, where), countCapped(where)]);
  const rows = await loadRows(
    page.keys.map((key) => key.appid),
    now,
  );
  const first = page.keys[0];
  const last = page.keys.at(-1);
  // Going forward, there is a previous page whenever we came from a cursor; going back, a next one.
  const hasNext = page.reversed ? true : page.hasMore;
  const hasPrev = page.reversed ? page.hasMore : !!query.after;
  return {
    rows,
    total: Math.min(total, COUNT_CAP),
    totalCapped: total > COUNT_CAP,
    next: hasNext && last ? encodeCursor(cursorOf(last)) : null,
    prev: hasPrev && first ? encodeCursor(cursorOf(first)) : null,
  };
}
