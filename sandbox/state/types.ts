// Everything the sandbox remembers. Plain data so it can be saved to SANDBOX_STATE_FILE and reset at will.
// Times are milliseconds on the sandbox clock (see core/clock.ts) unless named `...Unix` (real seconds).

import type { SeededAccount } from "./accounts";

export type Ticket = { value: string; createdAt: number; expiresAt: number };

/** A newer token cuts an older one's life short (WeChat keeps the old one a few minutes): `naturalExpiresAt` tells 42001 from 40001. */
export type ComponentToken = { value: string; createdAt: number; expiresAt: number; naturalExpiresAt: number };

export type PreAuthCode = { value: string; createdAt: number; expiresAt: number; usedAt?: number };

export type AuthCodeSource = "merchant" | "control" | "release-check" | "permission-change" | "fasteregister";

export type AuthCode = {
  value: string;
  authorizerAppid: string;
  funcIds: number[];
  preAuthCode?: string;
  source: AuthCodeSource;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
};

export type Authorization = {
  authorizerAppid: string;
  funcIds: number[];
  refreshToken: string;
  /** After a rotation the previous refresh token keeps working for a grace period, like WeChat's. */
  previousRefreshToken?: { value: string; validUntil: number };
  refreshCount: number;
  authTimeUnix: number;
  revokedAt?: number;
  options: Record<string, string>;
};

export type AuthorizerTokenOrigin = { kind: "query_auth"; code: string } | { kind: "refresh" };

export type AuthorizerToken = {
  value: string;
  authorizerAppid: string;
  createdAt: number;
  expiresAt: number;
  naturalExpiresAt: number;
  origin: AuthorizerTokenOrigin;
};

export type JsapiTicket = { value: string; authorizerAppid: string; createdAt: number; expiresAt: number };

export type SessionStatus = "waiting" | "scanned" | "confirmed" | "cancelled";

/** One opening of an authorization link: the PC page's QR or the H5 page, until confirm or cancel. */
export type AuthSession = {
  id: string;
  kind: "pc" | "h5";
  preAuthCode: string;
  redirectUri: string;
  authType: number;
  bizAppid?: string;
  categoryIds?: number[];
  status: SessionStatus;
  createdAt: number;
  authorizerAppid?: string;
  redirectTo?: string;
};

export type CustomMessage = {
  at: number;
  authorizerAppid: string;
  tokenOrigin: AuthorizerTokenOrigin;
  body: unknown;
};

export type FaultKind = "latency" | "http5xx" | "hang" | "errcode-1" | "drop-push" | "duplicate-push";

export type Fault = {
  id: string;
  kind: FaultKind;
  /** API endpoint name (e.g. `api_component_token`) or push InfoType; omitted: every one. */
  endpoint?: string;
  /** Share of matching calls affected, 0..1 (default 1). Decided with the seeded RNG. */
  share: number;
  ms?: number;
  /** Stop after this many hits (omitted: until cleared). */
  remaining?: number;
  hits: number;
};

export type CallRecord = {
  id: number;
  at: string;
  endpoint: string;
  method: string;
  path: string;
  errcode: number;
  httpStatus: number;
  durationMs: number;
  fault?: string;
  authorizerAppid?: string;
};

export type DeliveryAttempt = {
  attempt: number;
  at: string;
  status?: number;
  answer?: string;
  error?: string;
  durationMs: number;
  ok: boolean;
};

export type Delivery = {
  id: number;
  kind: "push" | "message";
  infoType: string;
  url: string;
  createdAt: string;
  state: "pending" | "delivered" | "failed" | "dropped";
  duplicateOf?: number;
  plaintext: string;
  attempts: DeliveryAttempt[];
};

/** How an authorizer message ended: a reply the user sees, an acknowledgement only, a reply WeChat would refuse, or no 2xx after every try. */
export type SentMessageStatus = "replied" | "no_reply" | "bad_reply" | "failed";

/** One authorizer message sent to the message URL (POST /sandbox/api/messages) and what "the user" got back. */
export type SentMessage = {
  /** The delivery (GET /sandbox/api/deliveries) holding every try. */
  delivery_id: number;
  at: string;
  appid: string;
  type: string;
  from_user: string;
  openid: string;
  msg_id: string | null;
  create_time: number;
  tries: number;
  status: SentMessageStatus;
  /** The decrypted passive reply, keys in snake_case (`msg_type`, `content`, ...) plus its plaintext `xml`. */
  reply: Record<string, unknown> | null;
  error: string | null;
  duration_ms: number;
};

export type QuotaWindow = { startedAt: number; counts: Record<string, number> };

export type PersistedState = {
  version: 1;
  /** Mini programs created by fast registration (notify_third_fasteregister), beyond the seeded ones. */
  registeredAccounts: SeededAccount[];
  seed: string;
  tickets: Ticket[];
  componentTokens: ComponentToken[];
  preAuthCodes: PreAuthCode[];
  authCodes: AuthCode[];
  authorizations: Authorization[];
  authorizerTokens: AuthorizerToken[];
  jsapiTickets: JsapiTicket[];
  sessions: AuthSession[];
  quota: QuotaWindow;
  quotaLimits: Record<string, number>;
  clearQuotaUses: number[];
  faults: Fault[];
  customMessages: CustomMessage[];
};

/** The clock's state: its offset from real time (every advance) and the speed it ran at. */
export type ClockState = { offsetMs: number; speed: number };

/** What SANDBOX_STATE_FILE holds: the state, and the clock it was written on (absent in older files). */
export type StateFileContent = PersistedState & { clock?: ClockState; savedAt?: string };
