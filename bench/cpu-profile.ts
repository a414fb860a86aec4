// Where a process's CPU time went, from a V8 .cpuprofile (node --cpu-prof): self time by function and
// by origin (the portal's own code in the server bundle, each package in node_modules, Node.js's
// internals, the garbage collector, idle). The benchmarks write one with BENCH_CPU_PROFILE=<dir>.
//   npx tsx bench/cpu-profile.ts <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [top=25]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// Each sample's time is the delta to the next one.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));

/** Where a frame's code lives: a package, the portal's own code, Node.js, or V8's pseudo-frames. */
function originOf({ url, functionName }: Node["callFrame"]): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg && !url.includes("/.next")) return pkg[1]!;
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  if (url.includes("/.next") || url.includes("/lib/") || url.includes("/scripts/")) return "portal (server bundle)";
  return url;
}

const byFunction = new Map<string, number>();
const byOrigin = new Map<string, number>();
let totalUs = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  totalUs += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|\.next[^/]*)\//, "$1/")}:${lineNumber + 1}` : "";
  const name = `${functionName || "(anonymous)"} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const origin = originOf(node.callFrame);
  byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
}

const busyUs = totalUs - (byOrigin.get("(idle)") ?? 0);
const table = (title: string, rows: Map<string, number>, limit: number) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    const share = name === "(idle)" ? "" : `${((us / busyUs) * 100).toFixed(1).padStart(5)}% of busy`;
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms  ${share.padEnd(13)}  ${name}`);
  }
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(1)} s busy`);
table("Self time by origin", byOrigin, 20);
table(`Self time by function (top ${top})`, byFunction, top);
