// What became of every push the sandbox delivered: matched to the portal's received_pushes by the
// portal's own dedupe key. A push the portal acknowledged (`success`) and did not store, or stored
// and never processed, is lost. Attempts made while the database was down must not be answered
// `success` (that would be an acknowledgement without a stored row).
import { dedupeKeyFor, parseComponentPush } from "../../lib/wechat/component-push";
import type { Delivery } from "../../sandbox/state/types";

export type StoredPush = { dedupeKey: string; processed: boolean; attempts: number; infoType: string };

/** Real-time windows (ms since epoch) during which the database was down. */
export type Outage = { from: number; to: number };

export type PushAudit = {
  deliveries: number;
  /** Acknowledged by the portal (WeChat stops retrying). */
  acknowledged: number;
  /** WeChat gave up: every attempt failed (only a longer outage does this; reconciliation covers it). */
  gaveUp: number;
  /** Attempts made entirely inside an outage, and how many of them were answered 5xx. */
  attemptsDuringOutage: number;
  answered5xxDuringOutage: number;
  /** Attempts inside an outage answered anything but 5xx or no answer (must be 0). */
  acknowledgedDuringOutage: number;
  /** Acknowledged but not stored, or stored but not processed (must be 0). */
  lost: { infoType: string; reason: string }[];
  /** Pushes (not tickets: those are applied as they are stored) claimed for processing more than once. */
  processingRetried: number;
  /** Of the pushes WeChat gave up on, those the portal stored anyway (an earlier attempt it could not answer in time). */
  gaveUpButStored: number;
};

const isSuccess = (attempt: Delivery["attempts"][number]) => attempt.ok;

export function auditPushes({
  deliveries,
  stored,
  outages = [],
}: {
  deliveries: Delivery[];
  stored: StoredPush[];
  outages?: Outage[];
}): PushAudit {
  const byKey = new Map(stored.map((row) => [row.dedupeKey, row]));
  const audit: PushAudit = {
    deliveries: 0,
    acknowledged: 0,
    gaveUp: 0,
    attemptsDuringOutage: 0,
    answered5xxDuringOutage: 0,
    acknowledgedDuringOutage: 0,
    lost: [],
    processingRetried: 0,
    gaveUpButStored: 0,
  };
  for (const delivery of deliveries) {
    if (delivery.kind !== "push" || delivery.state === "dropped" || delivery.state === "pending") continue;
    audit.deliveries++;
    for (const attempt of delivery.attempts) {
      const end = Date.parse(attempt.at);
      const start = end - attempt.durationMs;
      if (!outages.some((outage) => start >= outage.from && end <= outage.to)) continue;
      audit.attemptsDuringOutage++;
      if (attempt.status !== undefined && attempt.status >= 500) audit.answered5xxDuringOutage++;
      else if (isSuccess(attempt) || attempt.status !== undefined) audit.acknowledgedDuringOutage++;
    }
    const key = dedupeKeyFor(parseComponentPush(delivery.plaintext));
    const row = byKey.get(key);
    if (!delivery.attempts.some(isSuccess)) {
      audit.gaveUp++;
      if (row) audit.gaveUpButStored++;
      continue;
    }
    audit.acknowledged++;
    if (!row) audit.lost.push({ infoType: delivery.infoType, reason: "acknowledged, not stored" });
    else if (!row.processed) audit.lost.push({ infoType: delivery.infoType, reason: "stored, never processed" });
    else if (row.infoType !== "component_verify_ticket" && row.attempts > 1) audit.processingRetried++;
  }
  return audit;
}

/** The portal's received_pushes, read with plain SQL (no generated client needed). */
export const STORED_PUSHES_SQL = `SELECT dedupe_key AS "dedupeKey", processed_at IS NOT NULL AS processed, attempts, info_type AS "infoType" FROM received_pushes`;
