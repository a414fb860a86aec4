// Faults on demand: which configured faults hit this call. API faults (latency, http5xx, hang, errcode-1)
// apply to the API endpoints; push faults (drop-push, duplicate-push) to pushes, matched by InfoType.
import type { SandboxContext } from "../core/context";
import type { Fault, FaultKind } from "../state/types";

const API_KINDS: ReadonlySet<FaultKind> = new Set(["latency", "http5xx", "hang", "errcode-1"]);
const PUSH_KINDS: ReadonlySet<FaultKind> = new Set(["drop-push", "duplicate-push"]);

export const DEFAULT_FAULT_MS = { latency: 1000, hang: 60_000 } as const;

/** Faults hitting this call, after the share roll; counts the hits and retires exhausted faults. */
export function takeFaults(ctx: SandboxContext, args: { scope: "api" | "push"; endpoint: string }): Fault[] {
  const kinds = args.scope === "api" ? API_KINDS : PUSH_KINDS;
  const hits: Fault[] = [];
  for (const fault of ctx.state.data.faults) {
    if (!kinds.has(fault.kind)) continue;
    if (fault.endpoint && fault.endpoint !== args.endpoint) continue;
    if (fault.share < 1 && ctx.state.rng.faults.next() >= fault.share) continue;
    fault.hits += 1;
    if (fault.remaining !== undefined) fault.remaining -= 1;
    hits.push(fault);
  }
  if (hits.length > 0) {
    ctx.state.data.faults = ctx.state.data.faults.filter((fault) => fault.remaining === undefined || fault.remaining > 0);
    ctx.state.changed();
  }
  return hits;
}

export function describeFault(fault: Fault): string {
  return `${fault.kind}${fault.ms !== undefined ? `(${fault.ms}ms)` : ""}#${fault.id}`;
}
