// The sandbox's memory: seeded accounts, everything WeChat issued, and the logs the control API shows.
// Deterministic from the seed; reset() returns to the state right after start. With `randomness: "fresh"`
// (a sandbox with a state file) and after load(), tokens and codes come from fresh entropy instead, because
// a portal may still hold what an earlier run issued: the seed then decides the accounts only.
import { createEntropyStreams, createStreams, type RngStreams } from "../core/random";
import type { FaultSpec } from "../config";
import { seedAccounts, type SeededAccount } from "./accounts";
import type { AuthSession, Authorization, CallRecord, Delivery, Fault, PersistedState, SentMessage } from "./types";

const LOG_LIMIT = 5000;
/** Authorizer messages remembered per account, with their replies (not saved to the state file). */
export const SENT_MESSAGES_PER_ACCOUNT = 100;

export class SandboxState {
  readonly seed: string;
  readonly accounts: readonly SeededAccount[];
  data: PersistedState;
  rng: RngStreams;
  calls: CallRecord[] = [];
  deliveries: Delivery[] = [];
  /** The last authorizer messages sent to each account (appid → oldest first). */
  sentMessages = new Map<string, SentMessage[]>();
  private nextCallId = 1;
  private nextDeliveryId = 1;
  private nextFaultId = 1;
  private readonly initialFaults: FaultSpec[];
  private readonly quotaLimits: Record<string, number>;
  private readonly randomness: "seeded" | "fresh";
  private readonly listeners = new Set<() => void>();

  constructor({
    seed,
    faults,
    quotaLimits,
    now,
    randomness = "seeded",
  }: {
    seed: string;
    faults: FaultSpec[];
    quotaLimits: Record<string, number>;
    now: number;
    randomness?: "seeded" | "fresh";
  }) {
    this.seed = seed;
    this.accounts = seedAccounts(seed);
    this.initialFaults = faults;
    this.quotaLimits = quotaLimits;
    this.randomness = randomness;
    this.rng = this.createRng();
    this.data = this.createEmpty(now);
  }

  private createRng(): RngStreams {
    return this.randomness === "fresh" ? createEntropyStreams() : createStreams(this.seed);
  }

  private createEmpty(now: number): PersistedState {
    const data: PersistedState = {
      version: 1,
      seed: this.seed,
      registeredAccounts: [],
      tickets: [],
      componentTokens: [],
      preAuthCodes: [],
      authCodes: [],
      authorizations: [],
      authorizerTokens: [],
      jsapiTickets: [],
      sessions: [],
      quota: { startedAt: now, counts: {} },
      quotaLimits: { ...this.quotaLimits },
      clearQuotaUses: [],
      faults: [],
      customMessages: [],
    };
    return data;
  }

  /** Back to the freshly seeded state: same accounts, nothing issued, logs and faults from config only. */
  reset(now: number): void {
    this.rng = this.createRng();
    this.data = this.createEmpty(now);
    this.calls = [];
    this.deliveries = [];
    this.sentMessages.clear();
    this.nextCallId = 1;
    this.nextDeliveryId = 1;
    this.nextFaultId = 1;
    for (const spec of this.initialFaults) this.addFault(spec);
    this.changed();
  }

  /** Continue an earlier run (a validated state file): its seeded streams are spent, so draw from entropy. */
  load(persisted: PersistedState, now: number): void {
    if (persisted.version !== 1 || persisted.seed !== this.seed) {
      throw new Error(`state file was written for seed "${persisted.seed}", not "${this.seed}"`);
    }
    this.data = { ...this.createEmpty(now), ...persisted };
    this.rng = createEntropyStreams();
    this.nextFaultId = this.data.faults.reduce((max, fault) => Math.max(max, Number(fault.id.replace(/\D/g, "")) + 1), 1);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Call after every mutation worth saving (the state file listens). */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  findAccount(appid: string): SeededAccount | undefined {
    return this.listAccounts().find((account) => account.appid === appid);
  }

  listAccounts(): SeededAccount[] {
    return [...this.accounts, ...this.data.registeredAccounts];
  }

  findAuthorization(appid: string): Authorization | undefined {
    return this.data.authorizations.find((authorization) => authorization.authorizerAppid === appid);
  }

  findSession(id: string): AuthSession | undefined {
    return this.data.sessions.find((session) => session.id === id);
  }

  addFault(spec: FaultSpec): Fault {
    const fault: Fault = {
      id: `f${this.nextFaultId}`,
      kind: spec.kind,
      share: spec.share ?? 1,
      hits: 0,
      ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
      ...(spec.ms !== undefined ? { ms: spec.ms } : {}),
      ...(spec.count !== undefined ? { remaining: spec.count } : {}),
    };
    this.nextFaultId += 1;
    this.data.faults.push(fault);
    this.changed();
    return fault;
  }

  recordCall(call: Omit<CallRecord, "id">): CallRecord {
    const record = { id: this.nextCallId, ...call };
    this.nextCallId += 1;
    this.calls.push(record);
    if (this.calls.length > LOG_LIMIT) this.calls.splice(0, this.calls.length - LOG_LIMIT);
    return record;
  }

  createDelivery(delivery: Omit<Delivery, "id">): Delivery {
    const record = { id: this.nextDeliveryId, ...delivery };
    this.nextDeliveryId += 1;
    this.deliveries.push(record);
    if (this.deliveries.length > LOG_LIMIT) this.deliveries.splice(0, this.deliveries.length - LOG_LIMIT);
    return record;
  }

  recordSentMessage(message: SentMessage): void {
    const list = this.sentMessages.get(message.appid) ?? [];
    list.push(message);
    if (list.length > SENT_MESSAGES_PER_ACCOUNT) list.splice(0, list.length - SENT_MESSAGES_PER_ACCOUNT);
    this.sentMessages.set(message.appid, list);
  }

  /** Drop what has long expired so a sandbox left running for days stays small. */
  prune(now: number): void {
    const keep = <T extends { expiresAt: number }>(items: T[]) => items.filter((item) => item.expiresAt > now - 86_400_000);
    this.data.tickets = keep(this.data.tickets);
    this.data.componentTokens = keep(this.data.componentTokens);
    this.data.preAuthCodes = keep(this.data.preAuthCodes);
    this.data.authCodes = keep(this.data.authCodes);
    this.data.authorizerTokens = keep(this.data.authorizerTokens);
    this.data.jsapiTickets = keep(this.data.jsapiTickets);
    if (this.data.sessions.length > 500) this.data.sessions.splice(0, this.data.sessions.length - 500);
    if (this.data.customMessages.length > 500) this.data.customMessages.splice(0, this.data.customMessages.length - 500);
  }
}
