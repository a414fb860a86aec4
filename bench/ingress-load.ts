// The load generator of bench/ingress.ts, in a process of its own so its work is not the server's:
// `total` requests with `concurrency` in flight after a warm-up, printing one JSON line: throughput,
// p50/p99, failures by kind, and when each text message was sent (for the forwarding lag).
//   node --import tsx bench/ingress-load.ts <baseUrl> <total> <concurrency> <run>
import { buildRequest } from "./ingress-traffic";
import { percentile } from "./stats";

const [baseUrl, totalArg, concurrencyArg, runArg] = process.argv.slice(2);
const total = Number(totalArg);
const concurrency = Number(concurrencyArg);
const run = Number(runArg);

const WARM_UP = 300;
const requests = Array.from({ length: total + WARM_UP }, (_, i) => buildRequest(i, run));

async function send(i: number): Promise<boolean> {
  const request = requests[i]!;
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: "POST",
    body: request.body,
    headers: { "content-type": "text/xml" },
  });
  const text = await response.text();
  return response.status === 200 && (text === "success" || text === "");
}

async function drive(from: number, to: number, onDone: (i: number, ok: boolean, ms: number) => void) {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= to) return;
        const started = performance.now();
        const ok = await send(i).catch(() => false);
        onDone(i, ok, performance.now() - started);
      }
    }),
  );
}

await drive(total, total + WARM_UP, () => {});
const latencies: number[] = [];
const failures: Record<string, number> = {};
const sentAt: Record<string, number> = {};
const started = performance.now();
await drive(0, total, (i, ok, ms) => {
  latencies.push(ms);
  const request = requests[i]!;
  if (!ok) failures[request.kind] = (failures[request.kind] ?? 0) + 1;
  else if (request.msgId) sentAt[request.msgId] = Date.now() - ms;
});
const wallMs = performance.now() - started;
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    perSecond: (total / wallMs) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    wallMs,
    failures,
    sentAt,
  }),
);
