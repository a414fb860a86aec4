// Tests that change a token's row directly, then read it through the token centre: the change is
// announced on commit (the triggers), and heard a moment later. `afterHeard` returns once this
// process's token-centre memory has dropped what the write replaced, so the next read cannot be
// served the old value from memory. A write that changes nothing the memory holds is not waited on.
import type { Database } from "@/lib/db";
import { authorizerEntry, componentEntry, heardChange, tokenCentreMemory, untilListening } from "@/lib/token-centre/memory";

export async function afterHeard<T>(
  database: Database,
  { kind, appid }: { kind: "component" | "authorizer"; appid: string },
  write: () => Promise<T>,
): Promise<T> {
  await untilListening(database);
  const entry = kind === "component" ? componentEntry(appid) : authorizerEntry(appid);
  const kept = tokenCentreMemory(database).tokens.get(entry) !== undefined;
  const change = heardChange((event) => event.kind === kind && event.appid === appid, database);
  const result = await write();
  if (kept) await change;
  return result;
}
