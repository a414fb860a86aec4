// npm run apikey -- create --name "billing service" --scope <scope> | list | usage <id|prefix> | revoke <id|prefix>
// API keys for the token centre (/api/v1), beside the console's page. A new key is printed once and
// never again: only its hash is stored. Every key has a scope (lib/token-centre/scopes.ts).
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { getDatabase } from "../lib/db";
import { migrate } from "../lib/db/migrate";
import {
  ApiKeyNotFoundError,
  createApiKey,
  getApiKeyUsage,
  listApiKeys,
  revokeApiKey,
  type Actor,
  type ApiKeyUsage,
} from "../lib/token-centre/api-keys";
import { parseScopeWords, SCOPE_WORDS_HELP, summarizeScope } from "../lib/token-centre/scopes";
import { runWithDatabase } from "./database";

const USAGE = `Usage:
  npm run apikey -- create --name "<service name>" --scope <scope>[,<scope>...]
                                                    create a key (printed once)
  npm run apikey -- list                            list keys (prefix, name, scope, last use, status)
  npm run apikey -- usage <id|prefix>               what a key was handed, per authorizer
  npm run apikey -- revoke <id|prefix>              revoke a key for good

Scopes (repeat --scope or separate with commas):
  ${SCOPE_WORDS_HELP}
e.g. --scope authorizer:wx570bc396a51b8ff8,read-only
     --scope hub,authorizers          (a SaaS: links, authorizers' records, webhook endpoints)`;

/** Who ran the command, for the audit log. */
function cliActor(): Actor {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the audit log still says it came from the CLI.
  }
  return { actorType: "system", actorId: `cli:${user}`.slice(0, 64) };
}

const formatTime = (value: Date | null) => (value ? value.toISOString().replace("T", " ").slice(0, 19) : "never");

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    );
}

async function runCreate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { name: { type: "string" }, scope: { type: "string", multiple: true } } });
  if (!values.name?.trim()) {
    console.error(`create needs --name "<service name>"\n\n${USAGE}`);
    return 2;
  }
  // No default: a key for everything should be asked for (--scope all), not given by omission.
  if (!values.scope?.length) {
    console.error(`create needs --scope: say what the key may read\n\n${USAGE}`);
    return 2;
  }
  const parsed = parseScopeWords(values.scope.flatMap((value) => value.split(",")));
  if (!parsed.ok) {
    console.error(`--scope: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  const created = await createApiKey({ name: values.name, scope: parsed.scope, actor: cliActor() });
  console.log(`API key created for "${created.name}" (id ${created.id}, prefix ${created.prefix}).`);
  console.log(`Scope: ${summarizeScope(created.scope, { max: 20 })}`);
  console.log("Copy it now: it is not stored anywhere and cannot be shown again.\n");
  console.log(`  ${created.key}\n`);
  console.log("Send it as `Authorization: Bearer <key>` (or `X-Api-Key: <key>`) to /api/v1.");
  return 0;
}

async function runList(): Promise<number> {
  const keys = await listApiKeys();
  if (keys.length === 0) {
    console.log('No API keys yet. Create one with: npm run apikey -- create --name "<service name>" --scope <scope>');
    return 0;
  }
  printTable(
    ["id", "prefix", "name", "scope", "created", "last used", "status"],
    keys.map((key) => [
      key.id,
      key.prefix,
      key.name,
      summarizeScope(key.scope, { max: 4 }),
      formatTime(key.createdAt),
      formatTime(key.lastUsedAt),
      key.revokedAt ? `revoked ${formatTime(key.revokedAt)}` : "active",
    ]),
  );
  return 0;
}

const onePositional = (args: string[], command: string): string | null => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [value] = positionals;
  if (!value || positionals.length > 1) {
    console.error(`${command} needs exactly one id or prefix\n\n${USAGE}`);
    return null;
  }
  return value;
};

const targetLabel = (row: ApiKeyUsage) => (row.targetName ? `${row.target} (${row.targetName})` : row.target);

async function runUsage(args: string[]): Promise<number> {
  const idOrPrefix = onePositional(args, "usage");
  if (idOrPrefix === null) return 2;
  const { key, usage } = await getApiKeyUsage(idOrPrefix);
  console.log(
    `API key ${key.prefix} ("${key.name}"), scope ${summarizeScope(key.scope, { max: 20 })}, last used ${formatTime(key.lastUsedAt)}.`,
  );
  if (usage.length === 0) {
    console.log("Nothing handed out yet (counts reach the database within a few seconds of each request).");
    return 0;
  }
  printTable(
    ["target", "issued", "count", "first", "last"],
    usage.map((row) => [targetLabel(row), row.kind, String(row.count), formatTime(row.firstAt), formatTime(row.lastAt)]),
  );
  return 0;
}

async function runRevoke(args: string[]): Promise<number> {
  const idOrPrefix = onePositional(args, "revoke");
  if (idOrPrefix === null) return 2;
  const revoked = await revokeApiKey({ idOrPrefix, actor: cliActor() });
  console.log(
    revoked.alreadyRevoked
      ? `API key ${revoked.prefix} ("${revoked.name}") was already revoked.`
      : `API key ${revoked.prefix} ("${revoked.name}") revoked: calls with it now get 401.`,
  );
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  create: runCreate,
  list: runList,
  usage: runUsage,
  revoke: runRevoke,
};

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === "help" || command === "--help" || command === "-h") {
  console.log(USAGE);
  process.exit(command === undefined ? 2 : 0);
}
const run = COMMANDS[command];
if (!run) {
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  process.exit(2);
}

await runWithDatabase(async () => {
  // The portal migrates at start; so does this, so a key can be created before the first start.
  await migrate(getDatabase());
  try {
    return await run(rest);
  } catch (error) {
    if (!(error instanceof ApiKeyNotFoundError)) throw error;
    console.error(error.message);
    return 1;
  }
});
