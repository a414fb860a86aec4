// Single-flight across processes: 1,000 concurrent token-centre requests spread over 3 portal
// processes (production build, one PostgreSQL) while the component token has expired. Prints how
// many api_component_token calls the sandbox saw (target: exactly 1) and the request latencies.
//   npx tsx --import ./scripts/server-only.mjs bench/single-flight.ts [requests=1000] [processes=3]
import pino from "pino";
import { openDatabase, installDatabase, closeDatabase } from "../lib/db";
import { createApiKey } from "../lib/token-centre/api-keys";
import { startSandbox } from "../sandbox/server";
import { benchKeys, freshDatabase, load, startPortals } from "./support";

const requests = Number(process.argv[2] ?? 1000);
const processes = Number(process.argv[3] ?? 3);

const db = await freshDatabase();
const ports = Array.from({ length: processes }, (_, i) => 3521 + i);
const sandbox = await startSandbox({
  port: 0,
  pushTicketOnStart: false,
  ticketIntervalSeconds: 0,
  eventUrl: `http://localhost:${ports[0]}/api/wechat/component/events`,
  logger: pino({ level: "silent" }),
});
const portals = await startPortals({ ports, databaseUrl: db.url, wechatBase: sandbox.url });
try {
  process.env.TOKEN_ENCRYPTION_KEY = benchKeys.TOKEN_ENCRYPTION_KEY;
  const database = openDatabase({ url: db.url });
  installDatabase(database);
  const { key } = await createApiKey({
    name: "bench",
    scope: { component: true, authorizers: [], readOnly: true },
    actor: { actorType: "system" },
  });
  await sandbox.pushTicket();

  const get = (i: number) =>
    fetch(`${portals.urls[i % portals.urls.length]}/api/v1/component/token`, { headers: { authorization: `Bearer ${key}` } });
  // A first token, then let it expire, as if the portal had been idle past its 2 hours.
  const firstResponse = await get(0);
  const firstText = await firstResponse.text();
  if (firstResponse.status !== 200) throw new Error(`first token request: ${firstResponse.status} ${firstText.slice(0, 300)}`);
  const first = JSON.parse(firstText) as { component_access_token: string };
  await database.prisma.component.updateMany({
    data: { accessTokenExpiresAt: new Date(Date.now() - 1000), accessTokenRefreshAt: new Date(Date.now() - 1000) },
  });
  const mark = sandbox.state.calls.at(-1)?.id ?? 0;

  const seen = new Set<string>();
  let failures = 0;
  const result = await load({
    total: requests,
    concurrency: requests,
    send: async (i) => {
      const response = await get(i);
      const body = (await response.json()) as { component_access_token?: string };
      if (response.status !== 200 || !body.component_access_token) failures++;
      else seen.add(body.component_access_token);
    },
  });
  const upstream = sandbox.state.calls.filter((c) => c.id > mark && c.endpoint === "api_component_token");
  console.log(
    `\nSingle-flight: ${requests} concurrent GET /api/v1/component/token over ${processes} portal processes, expired token, PostgreSQL`,
  );
  console.log(`upstream api_component_token calls seen by the sandbox: ${upstream.length} (target 1)`);
  console.log(
    `distinct tokens handed out: ${seen.size} (new token: ${!seen.has(first.component_access_token)}), failed requests: ${failures}`,
  );
  console.log(`latency p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, wall ${result.wallMs.toFixed(0)} ms\n`);
  await closeDatabase();
} finally {
  portals.stop();
  await sandbox.close();
  await new Promise((r) => setTimeout(r, 1000));
  await db.drop();
}
