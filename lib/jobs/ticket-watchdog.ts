// The ticket watchdog. WeChat pushes a component_verify_ticket every 10 minutes; when none arrived
// for TICKET_STALE_AFTER_MS the event URL is probably broken, and without a ticket no new
// component_access_token can be obtained: ask WeChat to push one now, warn, and turn health red.
// Whatever else WeChat pushed meanwhile is lost too: ask for a reconciliation, once per silence.
// The provider's services are told too (component.ticket_stale), once per silence: the outbox's
// dedupe key names the last ticket, so the next tick of the same silence writes nothing. Before a
// first ticket ever arrived nothing is announced (a portal still being set up; health says so).
import { db } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { requestTicketPush, TICKET_STALE_AFTER_MS } from "../credentials/component-ticket";
import { requestReconciliation } from "../authorization/push-gaps";
import { recordEvent } from "../webhooks/outbox";

export type TicketState = {
  /** When the newest ticket reached us; null when none ever did. */
  receivedAt: Date | null;
  ageMs: number | null;
  stale: boolean;
};

export async function readTicketState({ now = new Date() }: { now?: Date } = {}): Promise<TicketState> {
  const row = await db().component.findUnique({
    where: { appid: getEnv().component.appid },
    select: { verifyTicketReceivedAt: true, verifyTicketCreateTime: true },
  });
  // Our own receipt time, not WeChat's CreateTime: the question is whether pushes still reach us.
  const receivedAt = row?.verifyTicketReceivedAt ?? row?.verifyTicketCreateTime ?? null;
  if (!receivedAt) return { receivedAt: null, ageMs: null, stale: true };
  const ageMs = Math.max(0, now.getTime() - receivedAt.getTime());
  return { receivedAt, ageMs, stale: ageMs >= TICKET_STALE_AFTER_MS };
}

export type WatchdogResult = TicketState & {
  pushRequested: boolean;
  reconciliationRequested: boolean;
  /** component.ticket_stale was written by this run (the first of its silence). */
  announced: boolean;
};

/** Announces the silence that began after the ticket received at `receivedAt`, unless it already was. */
async function announceStale({ receivedAt, ageMs, now }: { receivedAt: Date; ageMs: number; now: Date }): Promise<boolean> {
  const componentAppid = getEnv().component.appid;
  const recorded = await db().$transaction((tx) =>
    recordEvent(tx, {
      type: "component.ticket_stale",
      data: {
        component_appid: componentAppid,
        last_ticket_at: receivedAt.toISOString(),
        overdue_seconds: Math.max(0, Math.round((ageMs - TICKET_STALE_AFTER_MS) / 1000)),
      },
      dedupeKey: `component.ticket_stale:${componentAppid}:${receivedAt.toISOString()}`,
      now,
    }),
  );
  return !recorded.duplicate;
}

export async function runTicketWatchdog({ now = new Date() }: { now?: Date } = {}): Promise<WatchdogResult> {
  const state = await readTicketState({ now });
  if (!state.stale) return { ...state, pushRequested: false, reconciliationRequested: false, announced: false };
  const reason = state.receivedAt
    ? `no component_verify_ticket received for ${Math.round((state.ageMs ?? 0) / 60_000)} minutes`
    : "no component_verify_ticket received yet";
  logger.warn({ receivedAt: state.receivedAt, ageMs: state.ageMs }, `ticket watchdog: ${reason}; check the 授权事件接收URL`);
  // requestTicketPush asks at most once a minute across instances and never throws.
  const pushRequested = await requestTicketPush({ reason });
  // Not before a first ticket (nothing to reconcile, and no way to ask WeChat); once per silence
  // (since it was noticed): the ticket that ends it asks again (ticket_gap).
  const reconciliationRequested = state.receivedAt
    ? await requestReconciliation({
        reason: "ticket_overdue",
        unlessRequestedSince: new Date(state.receivedAt.getTime() + TICKET_STALE_AFTER_MS),
      })
    : false;
  const announced = state.receivedAt ? await announceStale({ receivedAt: state.receivedAt, ageMs: state.ageMs ?? 0, now }) : false;
  return { ...state, pushRequested, reconciliationRequested, announced };
}
