// The stack most integration tests need: a fresh database, the portal's event route served over
// HTTP, the sandbox pushing to it, a ticket already received, and the sandbox's seeded accounts.
import { installDatabase } from "@/lib/db";
import type { StartSandboxOptions } from "@/sandbox/server";
import { createTestDatabase, type TestDatabase } from "./database";
import { serveRoute, type AfterQueue, type ServedRoute } from "./routes";
import { startTestSandbox, type TestSandbox } from "./sandbox";

export type PortalStack<Account> = { t: TestDatabase; sandbox: TestSandbox; portal: ServedRoute; accounts: Account[] };

export async function startPortalStack<Account>({
  handler,
  queue,
  sandbox: options = {},
}: {
  handler: (request: Request) => Promise<Response>;
  queue: AfterQueue;
  sandbox?: StartSandboxOptions;
}): Promise<PortalStack<Account>> {
  const t = await createTestDatabase();
  const portal = await serveRoute({ handler, queue });
  const sandbox = await startTestSandbox({ eventUrl: `${portal.url}/api/wechat/component/events`, rotateRefreshEvery: 0, ...options });
  await sandbox.pushTicket();
  await portal.idle();
  const accounts = ((await (await fetch(`${sandbox.url}/sandbox/api/accounts`)).json()) as { accounts: Account[] }).accounts;
  return { t, sandbox, portal, accounts };
}

export async function stopPortalStack({ t, sandbox, portal }: Omit<PortalStack<unknown>, "accounts">): Promise<void> {
  await sandbox.close();
  await portal.close();
  await t.drop();
}

/** Before each test: let the previous test's after-answer work finish, and use this stack's database. */
export async function settlePortalStack({ t, portal }: Pick<PortalStack<unknown>, "t" | "portal">): Promise<void> {
  await portal.idle();
  installDatabase(t.database);
}
