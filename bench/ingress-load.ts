// The load generator of bench/ingress.ts, in a process of its own so its work is not the server's:
// `total` requests with `concurrency` in flight after a warm-up, printing one JSON line: throughput,
// p50/p99 (all, and by kind), failures by kind, and when each text message was sent (for the
// forwarding lag).
//   node --import tsx bench/ingress-load.ts <baseUrl> <total> <concurrency> <run> <mix>
import http from "node:http";
import { buildRequest, type Mix } from "./ingress-traffic";
import { postText } from "./post";
import { load, percentile } from "./stats";

const [baseUrl, totalArg, concurrencyArg, runArg, mixArg] = process.argv.slice(2);
const total = Number(totalArg);
const concurrency = Number(concurrencyArg);
const run = Number(runArg);

const WARM_UP = 300;
const requests = Array.from({ length: total + WARM_UP }, (_, i) => buildRequest(i, run, mixArg as Mix));

// One kept-alive socket per request in flight.
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const base = new URL(baseUrl!);

async function send(i: number): Promise<boolean> {
  const request = requests[i]!;
  const { status, text } = await postText(agent, base, request.path, request.body);
  return status === 200 && (text === "success" || text === "");
}

// Warm-up requests come after the measured ones in the list, so no measured one is sent twice.
await load({ total: WARM_UP, concurrency, send: async (i) => void (await send(total + i).catch(() => false)) });
const failures: Record<string, number> = {};
const sentAt: Record<string, number> = {};
const latencies: Record<string, number[]> = {};
const result = await load({
  total,
  concurrency,
  send: async (i) => {
    const at = Date.now();
    const started = performance.now();
    const ok = await send(i).catch(() => false);
    const request = requests[i]!;
    (latencies[request.kind] ??= []).push(performance.now() - started);
    if (!ok) failures[request.kind] = (failures[request.kind] ?? 0) + 1;
    else if (request.msgId) sentAt[request.msgId] = at;
  },
});
const byKind = Object.fromEntries(
  Object.entries(latencies).map(([kind, ms]) => {
    ms.sort((a, b) => a - b);
    return [kind, { p50: percentile(ms, 50), p99: percentile(ms, 99) }];
  }),
);
console.log(JSON.stringify({ ...result, byKind, failures, sentAt }));
