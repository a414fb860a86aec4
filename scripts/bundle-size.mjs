// First-load JavaScript of app routes, measured from a production build:
// node scripts/bundle-size.mjs [route ...] [--budget /m/authorize=100] [--json]
// node scripts/bundle-size.mjs --base-url http://localhost:3000 [--user-agent UA] [/path?query ...]
//
// Static (default, no server): a page's first load is the build's root main files (React, Next's
// runtime, Turbopack's loader) plus the entry chunks of its layouts and page, as listed in the
// route's client reference manifest; the noModule polyfills are left out (modern browsers skip
// them). A route handler that answers HTML (the phone page) loads no framework chunk at all: only
// its inline scripts, which the live mode measures.
// Live (--base-url): fetches each path from a running portal and sums what its HTML actually loads:
// every external <script src> (fetched) and every inline <script>. A cross-check of the static
// figures, and the only way to see inline scripts.
// Sizes are raw, gzip (level 6, as servers commonly send) and brotli (quality 11). Reads
// NEXT_DIST_DIR (default .next). Exits 1 when a --budget (gzip KB, total) is exceeded.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const DEFAULT_ROUTES = ["/m/authorize", "/authorize", "/authorize/result"];

function parseArgs(argv) {
  const routes = [];
  const budgets = new Map();
  let json = false;
  let baseUrl = null;
  let userAgent = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--base-url") baseUrl = String(argv[++i] ?? "");
    else if (arg === "--user-agent") userAgent = String(argv[++i] ?? "");
    else if (arg === "--budget") {
      const [route, kb] = String(argv[++i] ?? "").split("=");
      if (!route || !Number(kb)) throw new Error("--budget expects /route=KB");
      budgets.set(route, Number(kb));
    } else routes.push(arg);
  }
  return { routes: routes.length > 0 ? routes : DEFAULT_ROUTES, budgets, json, baseUrl, userAgent };
}

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

/** "/(merchant)/authorize/page" for "/authorize" (or ".../route" for a route handler), from the build's own route table. */
function findAppPath(dist, route) {
  const table = readJson(join(dist, "app-path-routes-manifest.json"));
  const match = Object.entries(table).find(([appPath, path]) => path === route && /\/(page|route)$/.test(appPath));
  if (!match) throw new Error(`no app route ${route} in ${dist} (is it built?)`);
  return match[0];
}

function readClientManifest(dist, appPath) {
  const file = join(dist, "server", "app", `${appPath}_client-reference-manifest.js`);
  const sandbox = { globalThis: { __RSC_MANIFEST: {} } };
  // The manifest is a script that assigns globalThis.__RSC_MANIFEST[<page>] = {...}.
  new Function("globalThis", readFileSync(file, "utf8"))(sandbox.globalThis);
  const manifest = sandbox.globalThis.__RSC_MANIFEST[appPath];
  if (!manifest) throw new Error(`no client reference manifest for ${appPath}`);
  return manifest;
}

/** The layouts above a page and the page itself, as the manifest names their entries. */
function entryKeysFor(appPath) {
  const segments = appPath
    .replace(/\/page$/, "")
    .split("/")
    .filter(Boolean);
  const keys = ["[project]/app/layout"];
  for (let i = 1; i <= segments.length; i++) keys.push(`[project]/app/${segments.slice(0, i).join("/")}/layout`);
  keys.push(`[project]/app${appPath}`);
  return keys;
}

const sizeCache = new Map();
function sizeOf(dist, file) {
  if (!sizeCache.has(file)) sizeCache.set(file, compress(readFileSync(join(dist, file))));
  return sizeCache.get(file);
}

const sum = (sizes) =>
  sizes.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });
const kb = (bytes) => (bytes / 1024).toFixed(1);

const EMPTY = { raw: 0, gzip: 0, brotli: 0 };

function measure(dist, route) {
  const appPath = findAppPath(dist, route);
  if (appPath.endsWith("/route")) {
    return {
      route,
      kind: "route handler",
      files: [],
      shared: EMPTY,
      route_specific: EMPTY,
      total: EMPTY,
      note: "no framework chunks; inline scripts only (see --base-url)",
    };
  }
  const buildManifest = readJson(join(dist, "server", "app", appPath, "build-manifest.json"));
  const root = [...buildManifest.rootMainFiles];
  const manifest = readClientManifest(dist, appPath);
  const entries = new Set();
  for (const key of entryKeysFor(appPath)) for (const file of manifest.entryJSFiles[key] ?? []) entries.add(file);
  const own = [...entries].filter((file) => !root.includes(file));
  const files = [...root, ...own];
  return {
    route,
    kind: "page",
    files: files.map((file) => ({ file, ...sizeOf(dist, file) })),
    shared: sum(root.map((file) => sizeOf(dist, file))),
    route_specific: sum(own.map((file) => sizeOf(dist, file))),
    total: sum(files.map((file) => sizeOf(dist, file))),
  };
}

const compress = (body) => ({
  raw: body.length,
  gzip: gzipSync(body, { level: 6 }).length,
  brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

async function measureLive(baseUrl, path, userAgent) {
  const headers = userAgent ? { "user-agent": userAgent } : {};
  const response = await fetch(new URL(path, baseUrl), { headers, redirect: "follow" });
  const page = await response.text();
  const files = [];
  for (const match of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes, body] = match;
    if (/\bnomodule\b/i.test(attributes)) continue;
    const src = /\bsrc="([^"]+)"/i.exec(attributes)?.[1];
    if (src) {
      const bytes = Buffer.from(await (await fetch(new URL(src.replace(/&amp;/g, "&"), response.url))).arrayBuffer());
      files.push({ file: src, ...compress(bytes) });
    } else if (body.trim() !== "" && !/type="application\/(ld\+)?json"/i.test(attributes)) {
      files.push({ file: "(inline)", ...compress(Buffer.from(body)) });
    }
  }
  const inline = files.filter((file) => file.file === "(inline)");
  return {
    route: path,
    kind: `live ${response.status}${response.redirected ? ` → ${new URL(response.url).pathname}` : ""}`,
    files,
    shared: sum(files.filter((file) => file.file !== "(inline)")),
    route_specific: sum(inline),
    total: sum(files),
    note: `${files.length - inline.length} external, ${inline.length} inline (route-specific column: inline)`,
  };
}

const { routes, budgets, json, baseUrl, userAgent } = parseArgs(process.argv.slice(2));
const dist = process.env.NEXT_DIST_DIR ?? ".next";
if (!baseUrl && !existsSync(join(dist, "BUILD_ID"))) {
  console.error(`No production build in ${dist}: run \`NEXT_DIST_DIR=${dist} npx next build\` first.`);
  process.exit(2);
}
const results = baseUrl
  ? await Promise.all(routes.map((route) => measureLive(baseUrl, route, userAgent)))
  : routes.map((route) => measure(dist, route));
let failed = false;
for (const result of results) {
  const budget = budgets.get(result.route);
  result.budgetKb = budget ?? null;
  result.withinBudget = budget === undefined ? null : result.total.gzip / 1024 <= budget;
  if (result.withinBudget === false) failed = true;
}
if (json) {
  console.log(JSON.stringify({ dist: baseUrl ?? dist, results }, null, 2));
} else {
  const source = baseUrl
    ? `live from ${baseUrl}${userAgent ? `, user agent "${userAgent}"` : ""}`
    : `${dist}, build ${readFileSync(join(dist, "BUILD_ID"), "utf8").trim()}`;
  console.log(`First-load JavaScript (${source}), KB`);
  console.log("route".padEnd(28), "raw".padStart(8), "gzip".padStart(8), "brotli".padStart(8), "  route-specific gzip");
  for (const r of results) {
    const verdict =
      r.budgetKb === null ? "" : r.withinBudget ? `  within the ${r.budgetKb} KB budget` : `  OVER the ${r.budgetKb} KB budget`;
    const note = r.note ? `  (${r.kind}: ${r.note})` : "";
    console.log(
      r.route.padEnd(28),
      kb(r.total.raw).padStart(8),
      kb(r.total.gzip).padStart(8),
      kb(r.total.brotli).padStart(8),
      `  ${kb(r.route_specific.gzip).padStart(6)}${verdict}${note}`,
    );
  }
}
process.exit(failed ? 1 : 0);
