// A load generator in a process of its own, so its work is not the server's: `total` GETs of one
// URL with `concurrency` in flight after a warm-up, each with the given header; prints one JSON line
// (throughput, p50/p99, wall time, answers that were not 200).
//   node --import tsx bench/http-load.ts <url> <total> <concurrency> [header-name] [header-value]
import { load } from "./stats";

const [url, totalArg, concurrencyArg, headerName, headerValue] = process.argv.slice(2);
const total = Number(totalArg);
const concurrency = Number(concurrencyArg);
const headers: Record<string, string> = headerName && headerValue ? { [headerName]: headerValue } : {};
let failed = 0;
const get = async () => {
  const response = await fetch(url!, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) failed++;
};
await load({ total: Math.min(500, total), concurrency, send: get });
failed = 0;
const result = await load({ total, concurrency, send: get });
console.log(JSON.stringify({ ...result, failed }));
