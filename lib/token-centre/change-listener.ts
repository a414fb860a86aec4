// The session that hears what other instances changed: LISTEN token_centre_changes on a connection
// of its own (outside the pool), fed by the triggers of migration 20261212090000_token_centre_changes.
// While it is not listening nothing this process keeps in memory can be proven fresh, so every
// loss of the connection and every (re)connect is announced (`onReset`) before anything else, and
// the memory is emptied there. A lost connection is tried again with a backoff; a heartbeat notices
// a connection that died without saying so. The listener stops for good when its database is gone
// (dropped, or no longer the process's database): tests and scripts must not leak it.
import pg from "pg";
import { z } from "zod";
import { logger } from "../logger";

export const TOKEN_CENTRE_CHANNEL = "token_centre_changes";

/** What the triggers announce: which row changed, with its version where it has one. */
export const changeNoticeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("api_key"), id: z.string() }),
  z.object({ kind: z.literal("component"), appid: z.string(), version: z.number().int() }),
  z.object({ kind: z.literal("authorizer"), appid: z.string(), version: z.number().int().nullable(), disabled: z.boolean() }),
]);
export type ChangeNotice = z.infer<typeof changeNoticeSchema>;

function parseNotice(payload: string | undefined): ChangeNotice | null {
  try {
    const parsed = changeNoticeSchema.safeParse(JSON.parse(payload ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export type ListenerEvents = {
  /** A change committed by any instance (this one included). */
  onNotice(notice: ChangeNotice): void;
  /** The connection was lost or (re)established: whatever was kept before cannot be trusted. */
  onReset(listening: boolean): void;
};

export type ListenerOptions = {
  url: string;
  /** Still wanted? Checked before every reconnect (false: the database is no longer this process's). */
  wanted?: () => boolean;
  heartbeatMs?: number;
  maxBackoffMs?: number;
};

/** PostgreSQL's "database does not exist": it was dropped, there is nothing to listen to any more. */
const DATABASE_GONE = "3D000";

export class ChangeListener {
  #client: pg.Client | null = null;
  #listening = false;
  #stopped = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The backend of the listening session, for tests that cut it. */
  backendPid: number | null = null;

  constructor(
    private readonly options: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {}

  /** True only while LISTEN is in effect: notices of every commit since then reach this process. */
  get listening(): boolean {
    return this.#listening;
  }

  start(): void {
    if (this.#client || this.#stopped) return;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    this.#setListening(false);
    await client?.end().catch(() => {});
  }

  #setListening(listening: boolean): void {
    const changed = this.#listening !== listening;
    this.#listening = listening;
    // On every change, and on a reconnect after a loss: either way, what was kept is dropped.
    if (changed || listening) this.events.onReset(listening);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: "token-centre-listener", keepAlive: true });
    this.#client = client;
    client.on("notification", (message) => {
      if (message.channel !== TOKEN_CENTRE_CHANNEL || client !== this.#client) return;
      const notice = parseNotice(message.payload);
      if (notice) return this.events.onNotice(notice);
      logger.warn({ payload: message.payload }, "token centre: a change notice of an unknown shape; dropping everything kept");
      this.events.onReset(this.#listening);
    });
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("the listening session ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${TOKEN_CENTRE_CHANNEL}`);
      const [row] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
      if (client !== this.#client) return;
      this.backendPid = row?.pid ?? null;
      if (this.#failures > 0) logger.info({ failures: this.#failures }, "token centre: listening for changes again");
      this.#failures = 0;
      this.#setListening(true);
      this.#startHeartbeat(client);
    } catch (error) {
      this.#lost(client, error);
    }
  }

  #startHeartbeat(client: pg.Client): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      client.query("SELECT 1").catch((error: unknown) => this.#lost(client, error));
    }, this.options.heartbeatMs ?? 10_000);
    this.#heartbeat.unref();
  }

  #lost(client: pg.Client, error: unknown): void {
    if (client !== this.#client) return;
    this.#client = null;
    this.backendPid = null;
    clearInterval(this.#heartbeat);
    this.#setListening(false);
    void client.end().catch(() => {});
    if (this.#stopped) return;
    const code = (error as { code?: string }).code;
    if (code === DATABASE_GONE || this.options.wanted?.() === false) {
      this.#stopped = true;
      return;
    }
    this.#failures++;
    const delay = Math.min(this.options.maxBackoffMs ?? 5_000, 50 * 2 ** Math.min(this.#failures, 10));
    logger.warn(
      { err: error, failures: this.#failures, retryInMs: delay },
      "token centre: lost the change listener; serving from the database",
    );
    this.#timer = setTimeout(() => {
      if (this.#stopped || this.options.wanted?.() === false) {
        this.#stopped = true;
        return;
      }
      void this.#connect();
    }, delay);
    this.#timer.unref();
  }
}
