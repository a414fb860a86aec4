// npm run keys:reencrypt [-- --batch-size 500] [--dry-run]
// Re-encrypts every sealed value in the database under the first key of TOKEN_ENCRYPTION_KEY, so
// the keys after it can be removed (README, "Deploying for real"). Run it with the same
// TOKEN_ENCRYPTION_KEY as the portal, after every instance runs with the new key first. Safe while
// the portal runs, and safe to repeat. Prints counts, never values.
import { parseArgs } from "node:util";
import { getEnv } from "../lib/env";
import { countUnderOlderKeys, DEFAULT_BATCH_SIZE, reencryptAll, sealedColumnLabel, type ColumnResult } from "../lib/credentials/reencrypt";
import { runWithDatabase } from "./database";

const USAGE = `Usage: npm run keys:reencrypt [-- --batch-size <rows>] [--dry-run]
  Seals every stored credential and push again under the first key of TOKEN_ENCRYPTION_KEY.
  --dry-run      only count the values each older key still seals`;

function describeRemaining(remaining: Record<string, number>, { keyId, configured }: { keyId: string; configured: string[] }): string[] {
  const entries = Object.entries(remaining);
  if (entries.length === 0)
    return [`Nothing is sealed under another key than "${keyId}": the older keys can be removed from TOKEN_ENCRYPTION_KEY.`];
  return [
    "Still sealed under an older key:",
    ...entries.map(
      ([id, count]) =>
        `  ${id}: ${count} ${configured.includes(id) ? "(keep this key in TOKEN_ENCRYPTION_KEY)" : "(not in TOKEN_ENCRYPTION_KEY: these cannot be opened)"}`,
    ),
  ];
}

function describeColumn(result: ColumnResult): string {
  const parts = [`${result.reencrypted} re-encrypted`];
  if (result.changedMeanwhile > 0) parts.push(`${result.changedMeanwhile} changed meanwhile (run again)`);
  if (result.unreadable.length > 0)
    parts.push(
      `${result.unreadable.length} no configured key opens (${result.unreadable.slice(0, 5).join(", ")}${result.unreadable.length > 5 ? ", ..." : ""})`,
    );
  return `  ${sealedColumnLabel(result).padEnd(38)} ${parts.join(", ")}`;
}

let options: { "batch-size"?: string; "dry-run"?: boolean; help?: boolean };
try {
  options = parseArgs({
    args: process.argv.slice(2),
    options: { "batch-size": { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  }).values;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const batchSize = options["batch-size"] === undefined ? DEFAULT_BATCH_SIZE : Number(options["batch-size"]);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
  console.error(`--batch-size must be a whole number from 1 to 10000\n\n${USAGE}`);
  process.exit(2);
}

await runWithDatabase(async ({ description }) => {
  const keys = getEnv().encryptionKeys;
  const keyId = keys[0].id;
  const configured = keys.map((key) => key.id);
  console.log(`${description}; first key of TOKEN_ENCRYPTION_KEY: "${keyId}" (of ${configured.join(", ")}).`);
  if (options["dry-run"]) {
    for (const line of describeRemaining(await countUnderOlderKeys({ keyId }), { keyId, configured })) console.log(line);
    return 0;
  }
  console.log(`Re-encrypting under "${keyId}", ${batchSize} rows per batch:`);
  const result = await reencryptAll({ keys, batchSize, onColumn: (column) => console.log(describeColumn(column)) });
  for (const line of describeRemaining(result.remaining, { keyId, configured })) console.log(line);
  const unreadable = result.columns.reduce((sum, column) => sum + column.unreadable.length, 0);
  if (unreadable > 0)
    console.log(
      `${unreadable} values open with no configured key: their key was removed already, or they are damaged. Re-encryption cannot keep them.`,
    );
  return unreadable > 0 || Object.keys(result.remaining).length > 0 ? 1 : 0;
});
