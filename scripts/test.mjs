// npm test: lint and format checks, the type check, unit + integration tests (Vitest), then the production build and the Playwright e2e
// suite in Debian's chromium (desktop and mobile). Prints one closing line with the totals.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, mkdirSync } from "node:fs";

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const run = (cmd, args, extraEnv = {}) => spawnSync(cmd, args, { stdio: "inherit", env: { ...env, ...extraEnv } }).status ?? 1;
const where = process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : "embedded PostgreSQL (a server of the tests' own)";

if (run(process.execPath, ["scripts/check-chromium.mjs"]) !== 0) process.exit(1);

// The fast checks first: a lint error or an unformatted file stops the run before the long suites.
console.log("\n== lint (eslint)");
if (run("npx", ["eslint", "--max-warnings=0", "."]) !== 0) process.exit(1);
console.log("\n== format (prettier --check)");
if (run("npx", ["prettier", "--check", "--log-level=warn", "."]) !== 0) process.exit(1);

mkdirSync("artifacts", { recursive: true });
console.log("\n== type check (tsc --noEmit)");
const types = run("npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);

console.log(`\n== unit + integration tests against ${where}`);
const unit = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", "--outputFile.json=artifacts/vitest.json"]);

console.log("\n== production build");
rmSync(".next", { recursive: true, force: true });
const build = run("npx", ["next", "build"]);

let e2e = 1;
if (build === 0) {
  console.log(`\n== e2e (Playwright, chromium, desktop + mobile) against ${where}`);
  e2e = run("npx", ["playwright", "test"]);
}

// Totals from both runners' JSON reports, as one plain closing line.
const count = () => {
  let passed = 0,
    failed = 0,
    skipped = 0;
  try {
    const v = JSON.parse(readFileSync("artifacts/vitest.json", "utf8"));
    passed += v.numPassedTests;
    failed += v.numFailedTests;
    skipped += v.numPendingTests + (v.numTodoTests ?? 0);
  } catch {
    failed += 1;
  }
  try {
    const p = JSON.parse(readFileSync("artifacts/playwright.json", "utf8")).stats;
    passed += p.expected + p.flaky;
    failed += p.unexpected;
    skipped += p.skipped;
  } catch {
    if (build === 0) failed += 1;
  }
  return { passed, failed, skipped };
};
const totals = count();
const ok = types === 0 && unit === 0 && build === 0 && e2e === 0;
console.log(`\ntests: ${totals.passed} passed, ${ok ? totals.failed : Math.max(1, totals.failed)} failed, ${totals.skipped} skipped`);
process.exit(ok ? 0 : 1);
