// npm run apikey -- create --name "billing service" | list | revoke <id|prefix>
// API keys for the token centre (/api/v1), until the console can manage them. A new key is printed
// once and never again: only its hash is stored.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { getEnvOrExit } from "../lib/env";
import { closeDatabase, getDatabase } from "../lib/db";
import { migrate } from "../lib/db/migrate";
import { ApiKeyNotFoundError, createApiKey, listApiKeys, revokeApiKey, type Actor } from "../lib/token-centre/api-keys";

const USAGE = `Usage:
  npm run apikey -- create --name "<service name>"   create a key (printed once)
  npm run apikey -- list                             list keys (prefix, name, last use, status)
  npm run apikey -- revoke <id|prefix>               revoke a key for good`;

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

async function runCreate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { name: { type: "string" } } });
  if (!values.name?.trim()) {
    console.error(`create needs --name "<service name>"\n\n${USAGE}`);
    return 2;
  }
  const created = await createApiKey({ name: values.name, actor: cliActor() });
  console.log(`API key created for "${created.name}" (id ${created.id}, prefix ${created.prefix}).`);
  console.log("Copy it now: it is not stored anywhere and cannot be shown again.\n");
  console.log(`  ${created.key}\n`);
  console.log("Send it as `Authorization: Bearer <key>` (or `X-Api-Key: <key>`) to /api/v1.");
  return 0;
}

async function runList(): Promise<number> {
  const keys = await listApiKeys();
  if (keys.length === 0) {
    console.log('No API keys yet. Create one with: npm run apikey -- create --name "<service name>"');
    return 0;
  }
  const rows = keys.map((key) => [
    key.id,
    key.prefix,
    key.name,
    formatTime(key.createdAt),
    formatTime(key.lastUsedAt),
    key.revokedAt ? `revoked ${formatTime(key.revokedAt)}` : "active",
  ]);
  const header = ["id", "prefix", "name", "created", "last used", "status"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    );
  return 0;
}

async function runRevoke(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [idOrPrefix] = positionals;
  if (!idOrPrefix || positionals.length > 1) {
    console.error(`revoke needs exactly one id or prefix\n\n${USAGE}`);
    return 2;
  }
  try {
    const revoked = await revokeApiKey({ idOrPrefix, actor: cliActor() });
    console.log(
      revoked.alreadyRevoked
        ? `API key ${revoked.prefix} ("${revoked.name}") was already revoked.`
        : `API key ${revoked.prefix} ("${revoked.name}") revoked: calls with it now get 401.`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ApiKeyNotFoundError)) throw error;
    console.error(error.message);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!["create", "list", "revoke"].includes(command)) {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  getEnvOrExit();
  // The portal migrates at start; so does this, so a key can be created before the first start.
  await migrate(getDatabase());
  if (command === "create") return runCreate(rest);
  if (command === "list") return runList();
  return runRevoke(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
