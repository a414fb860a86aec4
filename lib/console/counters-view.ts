// The health page's "this instance" section: the same counters /api/metrics exports (lib/metrics.ts),
// read from this process's registry and shaped for charts and tables. Counters live in memory per
// process since it started; the history across instances stays in the database (health-view.ts).
import {
  readCounters,
  REFRESH_ERROR_CLASSES,
  REFRESH_KINDS,
  REFRESH_OUTCOMES,
  type ReceiptCount,
  type RefreshErrorClass,
  type RefreshKind,
  type RefreshOutcome,
  type WeChatCallCount,
} from "../metrics";

/** The classes a failed refresh can have ("none" is a success's). */
export const FAILURE_CLASSES = REFRESH_ERROR_CLASSES.filter((c) => c !== "none") as Exclude<RefreshErrorClass, "none">[];

export type CountersView = {
  since: Date;
  /** Per kind of credential: refreshes by outcome. */
  refreshes: { kind: RefreshKind; outcomes: Record<RefreshOutcome, number> }[];
  /** Per kind of credential: failed refreshes by error class. */
  failures: { kind: RefreshKind; classes: Record<string, number> }[];
  receipts: ({ url: "event_url" | "message_url" } & ReceiptCount)[];
  /** The busiest upstream endpoint × errcode pairs first. */
  wechatCalls: WeChatCallCount[];
};

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export async function loadCountersView({ now = new Date(), calls = 15 }: { now?: Date; calls?: number } = {}): Promise<CountersView> {
  const counters = await readCounters();
  const refreshes = REFRESH_KINDS.map((kind) => ({ kind, outcomes: zeros(REFRESH_OUTCOMES) }));
  const failures = REFRESH_KINDS.map((kind) => ({ kind, classes: zeros(FAILURE_CLASSES) as Record<string, number> }));
  for (const { kind, outcome, errorClass, count } of counters.refreshes) {
    refreshes.find((r) => r.kind === kind)!.outcomes[outcome] += count;
    if (outcome === "failed" && errorClass !== "none") failures.find((f) => f.kind === kind)!.classes[errorClass]! += count;
  }
  const receipts = [
    ...counters.pushes.map((r) => ({ url: "event_url" as const, ...r })),
    ...counters.messages.map((r) => ({ url: "message_url" as const, ...r })),
  ];
  return {
    since: new Date(now.getTime() - process.uptime() * 1000),
    refreshes,
    failures,
    receipts,
    wechatCalls: [...counters.wechatCalls].sort((a, b) => b.count - a.count).slice(0, calls),
  };
}
