// Load and figures of the benchmarks (no imports: the load generators use it in processes of their own).

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * User + system CPU time (ms) a process and its descendants have used so far (Linux /proc; clock
 * ticks are 100 a second there).
 */
export async function cpuMsOfTree(root: number): Promise<number> {
  const { readdir, readFile } = await import("node:fs/promises");
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    if (!stat) continue;
    // The fields after the command name (which may hold spaces) start after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    stats.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  const inTree = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (at === root) return true;
      at = stats.get(at)?.parent ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, { ticks: own }] of stats) if (inTree(pid)) ticks += own;
  return ticks * 10;
}

/**
 * User + system CPU time (ms) used so far by the processes whose command is `command` ("postgres",
 * say), those that have exited included: the root of each tree (the postmaster) also holds the time
 * of its children it has waited for (cutime, cstime), so a backend that exits keeps counting.
 */
export async function cpuMsOfCommand(command: string): Promise<number> {
  const { readdir, readFile } = await import("node:fs/promises");
  const processes = new Map<number, { parent: number; fields: string[] }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    if (!stat || stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== command) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    processes.set(Number(entry), { parent: Number(fields[1]), fields });
  }
  let ticks = 0;
  for (const { parent, fields } of processes.values()) {
    ticks += Number(fields[11]) + Number(fields[12]);
    if (!processes.has(parent)) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks * 10;
}

/** Runs `total` requests with `concurrency` in flight; returns latencies (ms) and wall time. */
export async function load({ total, concurrency, send }: { total: number; concurrency: number; send: (i: number) => Promise<void> }) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        await send(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: (total / wallMs) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    wallMs,
    /** This process's CPU time (ms) over the run: the load generator's own cost. */
    cpuMs: (user + system) / 1000,
  };
}
