// The token centre's hot read: GET /api/v1/component/token with a cached token, `concurrency` in
// flight, against a floor in the same run: a bare node:http server doing the same key check (the
// Bearer key read, hashed and found in memory) and answering the same JSON from memory. The load
// generator runs in a process of its own (bench/http-load.ts). Prints throughput, p50/p99, the
// ratio, the portal's CPU time per request and the database transactions the run cost.
//   npx tsx --import ./scripts/server-only.mjs bench/token-centre.ts [total=20000] [concurrency=32]
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { installDatabase, openDatabase } from "../lib/db";
import { createApiKey, hashApiKey } from "../lib/token-centre/api-keys";
import { readPresentedKey } from "../lib/token-centre/authenticate";
import { startSandbox } from "../sandbox/server";
import { cpuMsOfTree } from "./stats";
import { benchKeys, commitsOf, freshDatabase, runLoadProcess, startPortals } from "./support";

const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 32);
Object.assign(process.env, benchKeys);

type LoadResult = { perSecond: number; p50: number; p99: number; wallMs: number; failed: number };

const generate = (url: string, key: string) =>
  runLoadProcess<LoadResult>("bench/http-load.ts", [url, total, concurrency, "authorization", `Bearer ${key}`]);

/** The floor: the key check and the answer, both from memory, on bare node:http. */
async function startFloor(key: string, body: string) {
  const keys = new Map([[hashApiKey(key), { id: "floor" }]]);
  const server = createServer((request, response) => {
    const presented = readPresentedKey(new Headers({ authorization: request.headers.authorization ?? "" }));
    if (!presented || !keys.has(hashApiKey(presented))) return void response.writeHead(401).end();
    response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const database = await freshDatabase();
const port = 3540;
const sandbox = await startSandbox({
  port: 0,
  pushTicketOnStart: false,
  ticketIntervalSeconds: 0,
  eventUrl: `http://localhost:${port}/api/wechat/component/events`,
  logger: pino({ level: "silent" }),
});
const portals = await startPortals({ ports: [port], databaseUrl: database.url, wechatBase: sandbox.url });
try {
  installDatabase(openDatabase({ url: database.url }));
  const { key } = await createApiKey({
    name: "bench",
    scope: { component: true, authorizers: [], readOnly: true },
    actor: { actorType: "system" },
  });
  await sandbox.pushTicket();
  const url = `${portals.urls[0]}/api/v1/component/token`;
  const first = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const body = await first.text();
  if (first.status !== 200) throw new Error(`first token request: ${first.status} ${body.slice(0, 300)}`);
  const floor = await startFloor(key, body);

  const floorResult = await generate(`${floor.url}/api/v1/component/token`, key);
  floor.close();
  const cpuBefore = await cpuMsOfTree(portals.pids[0]!);
  const commitsBefore = await commitsOf(database.url);
  const portalResult = await generate(url, key);
  const cpuMs = (await cpuMsOfTree(portals.pids[0]!)) - cpuBefore;
  const commits = (await commitsOf(database.url)) - commitsBefore;
  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(30)} ${r.perSecond.toFixed(0).padStart(7)} /s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   not 200: ${r.failed}`;
  console.log(`\nToken centre: ${total} GET /api/v1/component/token, cached token, ${concurrency} in flight, PostgreSQL`);
  console.log(row("floor (node:http, key check)", floorResult));
  console.log(row("portal (npm start)", portalResult));
  console.log(
    `ratio portal/floor: throughput ${(portalResult.perSecond / floorResult.perSecond).toFixed(2)}x, p99 ${(portalResult.p99 / floorResult.p99).toFixed(2)}x`,
  );
  console.log(
    `portal CPU: ${((cpuMs / total) * 1000).toFixed(0)} µs per request; database: ${commits} transactions for ${total} requests (usage counters included)\n`,
  );
} finally {
  await portals.stop();
  await sandbox.close();
  await database.drop();
}
