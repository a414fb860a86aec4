// npx tsx --import ./scripts/server-only.mjs bench/console-list.ts [--rows 100000] [--runs 30] [--keep]
// Seeds N authorizers (permission sets and credentials included) into a fresh database on
// DATABASE_URL's server, or on an embedded PostgreSQL server of its own (dropped afterwards). Then
// times the console's list (lib/console/authorizer-list.ts, the very function the page calls: page
// query + rows + capped count) for several filter/sort/search combinations and prints p50/p95/max.
// The tables are vacuumed after seeding, as autovacuum would have done after a load this size (its
// visibility map lets the count and the permission-set probes read indexes only). It prints which
// server it ran on: `DATABASE_URL=… ` for yours, nothing for the project's embedded PostgreSQL.
// --keep (with DATABASE_URL) leaves the seeded database behind for EXPLAIN ANALYZE.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BRANDS } from "../sandbox/state/accounts";

process.env.DATA_DIR ??= mkdtempSync(join(tmpdir(), "bench-console-"));
process.env.LOG_LEVEL ??= "silent";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    runs: { type: "string", default: "30" },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);

// Renamed: a "use…" name reads as a React hook to the linter.
const { openDatabase, installDatabase } = await import("../lib/db");
const { migrate } = await import("../lib/db/migrate");
const { getEnv } = await import("../lib/env");
const { createScratchDatabase, scratchServer } = await import("../lib/db/scratch");
const { listAuthorizers, parseListQuery } = await import("../lib/console/authorizer-list");

async function openFresh() {
  const server = await scratchServer("bench-console-pg");
  const scratch = await createScratchDatabase(server.serverUrl, "cp_bench");
  const database = openDatabase({ url: scratch.url });
  const url = new URL(scratch.url);
  return {
    database,
    label: server.embedded ? "embedded PostgreSQL (its own server)" : `PostgreSQL (${url.host}, database ${url.pathname.slice(1)})`,
    drop: async () => {
      await database.close();
      if (values.keep && !server.embedded) return console.log(`\nKept ${scratch.url}`);
      await scratch.drop();
      await server.stop();
    },
  };
}

// Names like the sandbox's (its brands + kind of shop), so a search for a brand matches ~1/16 of the rows.
const SUFFIXES = ["生活馆", "书店", "咖啡", "健身", "花艺", "烘焙", "旅行社", "点餐", "商城", "预约"];
const sqlArray = (items: string[]) => `ARRAY[${items.map((item) => `'${item}'`).join(",")}]`;

function seedScript(componentAppid: string): string {
  // Deterministic pseudo-random columns from the row number; 1 in 50 accounts has no name yet.
  return `
    INSERT INTO components (appid, updated_at) VALUES ('${componentAppid}', now()) ON CONFLICT DO NOTHING;
    INSERT INTO authorizers (appid, component_appid, account_type, nick_name, head_img, principal_name, user_name,
                             service_type, verify_type, status, status_changed_at, authorized_at, revoked_at, updated_at)
    SELECT 'wx' || lpad(to_hex(i * 2654435761 % 4294967296), 8, '0') || lpad(to_hex(i), 8, '0'),
           '${componentAppid}',
           (ARRAY['official_account','official_account','mini_program','mini_program','mini_program','channels','promoter'])[1 + i % 7]::"AccountType",
           CASE WHEN i % 50 = 0 THEN NULL ELSE (${sqlArray(BRANDS)})[1 + (i * 7) % 16] || (${sqlArray(SUFFIXES)})[1 + (i * 13) % 10] || i END,
           NULL,
           (ARRAY['杭州','成都','深圳','苏州','厦门'])[1 + i % 5] || (${sqlArray(BRANDS)})[1 + (i * 3) % 16] || '网络科技有限公司',
           'gh_' || lpad(to_hex(i), 12, '0'),
           CASE WHEN i % 7 < 2 THEN (ARRAY[0, 1, 2, 2])[1 + i % 4] ELSE 0 END,
           (ARRAY[-1, 0, 0, 3])[1 + i % 4],
           (CASE WHEN i % 100 < 85 THEN 'authorized' WHEN i % 100 < 92 THEN 'updated' WHEN i % 100 < 97 THEN 'revoked' ELSE 'needs_reauthorization' END)::"AuthorizerStatus",
           now() - (i || ' minutes')::interval,
           now() - (i * 5 || ' minutes')::interval - ((i * 37 % 60) || ' seconds')::interval,
           CASE WHEN i % 100 BETWEEN 92 AND 96 THEN now() - (i || ' minutes')::interval END,
           now()
    FROM generate_series(1, ${ROWS}) AS i;
    INSERT INTO authorizer_permission_sets (authorizer_appid, funcscope_id)
    SELECT a.appid, s.id FROM authorizers a
    JOIN LATERAL unnest(CASE WHEN a.account_type = 'official_account' THEN ARRAY[1,2,3,4,6,7,11,15,89]
                             WHEN a.account_type = 'mini_program' THEN ARRAY[17,18,19,30,31,49,52,70,71]
                             ELSE ARRAY[129,130,131,140] END) AS s(id) ON true
    WHERE abs(hashtext(a.appid || s.id)) % 3 <> 0;
    INSERT INTO authorizer_credentials (authorizer_appid, access_token_expires_at, access_token_refresh_at, last_refreshed_at,
                                        last_error_code, last_error, last_error_at, disabled_at, updated_at)
    SELECT appid,
           CASE WHEN status IN ('revoked', 'needs_reauthorization') THEN NULL ELSE now() + ((abs(hashtext(appid)) % 7200) || ' seconds')::interval END,
           CASE WHEN status IN ('revoked', 'needs_reauthorization') THEN NULL ELSE now() + ((abs(hashtext(appid)) % 6600) || ' seconds')::interval END,
           now() - ((abs(hashtext(appid)) % 7200) || ' seconds')::interval,
           CASE WHEN abs(hashtext(appid)) % 40 = 0 THEN 45009 WHEN status = 'needs_reauthorization' THEN 61023 END,
           CASE WHEN abs(hashtext(appid)) % 40 = 0 THEN 'quota' WHEN status = 'needs_reauthorization' THEN 'refresh token invalid' END,
           CASE WHEN abs(hashtext(appid)) % 40 = 0 OR status = 'needs_reauthorization' THEN now() END,
           CASE WHEN status IN ('revoked', 'needs_reauthorization') THEN status_changed_at END,
           now()
    FROM authorizers;`;
}

type Case = { label: string; params: Record<string, string>; pages?: number };

const CASES: Case[] = [
  { label: "first page, newest first (default)", params: {} },
  { label: "status = revoked", params: { status: "revoked" } },
  { label: "kind = service account", params: { kind: "service" } },
  { label: "permission set 17 (获取小程序码)", params: { set: "17" } },
  { label: "kind = mini program, sort by name", params: { kind: "mini_program", sort: "name_asc" } },
  { label: "needs re-auth + set 1, name desc", params: { status: "needs_reauthorization", set: "1", sort: "name_desc" } },
  { label: "search name 青禾 (~6% match)", params: { q: "青禾" } },
  { label: "search name 青禾咖啡1 (rare)", params: { q: "青禾咖啡1" } },
  { label: "search, no match", params: { q: "不存在的账号" } },
  { label: "search appid prefix", params: { q: "wx" } },
  { label: "search appid prefix, rare", params: { q: "wx1f3" } },
  { label: "page 20 (keyset), newest first", params: {}, pages: 20 },
  { label: "page 20 (keyset), by name", params: { sort: "name_asc" }, pages: 20 },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function timeCase(entry: Case): Promise<{ p50: number; p95: number; max: number; total: string; rows: number }> {
  // Walk to the wanted page first (untimed); the timed call is that page's.
  let params = { ...entry.params };
  for (let page = 1; page < (entry.pages ?? 1); page++) {
    const result = await listAuthorizers(parseListQuery(params));
    if (!result.next) break;
    params = { ...params, after: result.next };
  }
  const query = parseListQuery(params);
  for (let i = 0; i < 3; i++) await listAuthorizers(query);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof listAuthorizers>> | undefined;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    last = await listAuthorizers(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: times.at(-1) ?? NaN,
    total: last ? `${last.total}${last.totalCapped ? "+" : ""}` : "?",
    rows: last?.rows.length ?? 0,
  };
}

const fresh = await openFresh();
try {
  installDatabase(fresh.database);
  await migrate(fresh.database);
  const seedStarted = performance.now();
  await fresh.database.withSession((session) => session.exec(seedScript(getEnv().component.appid)));
  // VACUUM runs outside a transaction: one statement per call.
  for (const table of ["authorizers", "authorizer_permission_sets", "authorizer_credentials"]) {
    await fresh.database.withSession((session) => session.exec(`VACUUM ANALYZE ${table}`));
  }
  const [counts] = await fresh.database.withSession((session) =>
    session.query<{ authorizers: number; sets: number; version: string }>(
      "SELECT (SELECT count(*)::int FROM authorizers) AS authorizers, (SELECT count(*)::int FROM authorizer_permission_sets) AS sets, current_setting('server_version') AS version",
    ),
  );
  console.log(`\nConsole list benchmark: ${fresh.label}, PostgreSQL ${counts?.version}`);
  console.log(
    `Seeded ${counts?.authorizers.toLocaleString("en")} authorizers, ${counts?.sets.toLocaleString("en")} permission-set grants in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; ${RUNS} timed runs per case (after 3 warm-ups), page size 50.\n`,
  );
  const header = ["case", "p50 ms", "p95 ms", "max ms", "matches", "rows"];
  const lines: string[][] = [];
  // One untimed pass over every case first: the first queries of a process pay for plan caches and JIT.
  for (const entry of CASES) await listAuthorizers(parseListQuery(entry.params));
  for (const entry of CASES) {
    const r = await timeCase(entry);
    lines.push([entry.label, r.p50.toFixed(1), r.p95.toFixed(1), r.max.toFixed(1), r.total, String(r.rows)]);
    console.error(`  done: ${entry.label}`);
  }
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  for (const line of [header, widths.map((w) => "-".repeat(w)), ...lines]) {
    console.log(line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
  }
} finally {
  await fresh.drop();
}
