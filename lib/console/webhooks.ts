// The console's side of the hub's webhooks: what the pages show (endpoints with their state and
// delivery counts, one endpoint with its routes, delivery logs) and the staff actions' logic
// (create, rotate, disable/enable, delete, routes, test, redeliver), each audited. Managing and
// sending live in lib/webhooks/ (endpoints.ts, deliveries.ts); this module parses staff input with
// their schemas, calls them, maps their refusals to console errors and records who did what. A
// secret is returned once, to the action's caller, and never logged or audited.
import { z } from "zod";
import { recordAudit } from "../audit";
import { merchantRefSchema } from "../authorization/merchant-binding";
import { db } from "../db";
import { getEnv } from "../env";
import type { WebhookDeliveryStatus } from "../generated/prisma/enums";
import { redeliver, sendTestEvent, type DeliveryOutcome } from "../webhooks/deliveries";
import {
  createEndpoint,
  deleteEndpoint,
  disableEndpoint,
  enableEndpoint,
  EndpointInputError,
  EndpointNotFoundError,
  endpointUrlSchema,
  eventNameSchema,
  eventTypesSchema,
  getEndpoint,
  isEndpointId,
  listEndpoints,
  msgTypeSchema,
  replaceRoutes,
  rotateSecret,
  type EndpointView,
  type RouteView,
} from "../webhooks/endpoints";
import { appidSchema } from "../wechat/links";
import { ConsoleError } from "./errors";
import type { StaffActor } from "./safe-action";

export { decodeDeliveryCursor, listDeliveries, type DeliveryView } from "../webhooks/endpoints";

const blankToUndefined = (value: unknown) => {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
};
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** A route as the console's form sends it: blank fields match anything. */
export const routeInputSchema = z.object({
  authorizerAppid: optional(appidSchema),
  merchantRef: optional(merchantRefSchema),
  msgType: optional(msgTypeSchema),
  event: optional(eventNameSchema),
  reply: z.boolean().default(false),
});
export type RouteInput = z.output<typeof routeInputSchema>;

export const endpointInputSchema = z.object({
  url: endpointUrlSchema,
  events: eventTypesSchema,
  description: optional(z.string().max(500)),
  routes: z.array(routeInputSchema).max(50).default([]),
});
export type EndpointInput = z.output<typeof endpointInputSchema>;

export const endpointIdSchema = z.object({ id: z.uuid() });
export const disableInputSchema = endpointIdSchema.extend({ reason: optional(z.string().max(500)) });
export const routesInputSchema = endpointIdSchema.extend({ routes: z.array(routeInputSchema).max(50) });
export const deliveryIdSchema = z.object({ deliveryId: z.uuid() });

const componentAppid = () => getEnv().component.appid;
const target = (id: string) => `webhook:${id}`;

/** The management module's refusals as the console names them. */
async function managing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EndpointNotFoundError) throw new ConsoleError("not_found", error.message);
    if (error instanceof EndpointInputError) throw new ConsoleError("invalid_input", error.message);
    throw error;
  }
}

export async function createEndpointFor({
  input,
  actor,
}: {
  input: EndpointInput;
  actor: StaffActor;
}): Promise<{ id: string; secret: string }> {
  const created = await managing(() =>
    createEndpoint({
      url: input.url,
      events: input.events,
      description: input.description ?? null,
      routes: input.routes,
      createdByStaffId: actor.actorId,
    }),
  );
  await recordAudit({
    ...actor,
    action: "webhook.endpoint_created",
    target: target(created.id),
    details: { url: created.url, events: created.events, routes: created.routes.length },
  });
  return { id: created.id, secret: created.secret };
}

export async function rotateEndpointSecret({
  id,
  actor,
}: {
  id: string;
  actor: StaffActor;
}): Promise<{ secret: string; previousExpiresAt: Date }> {
  const rotated = await managing(() => rotateSecret(id));
  await recordAudit({
    ...actor,
    action: "webhook.secret_rotated",
    target: target(id),
    details: { previousExpiresAt: rotated.previousExpiresAt.toISOString() },
  });
  return rotated;
}

export async function setEndpointDisabled({
  id,
  disabled,
  reason,
  actor,
}: {
  id: string;
  disabled: boolean;
  reason?: string;
  actor: StaffActor;
}): Promise<void> {
  await managing(() => (disabled ? disableEndpoint(id, reason ?? "Disabled by staff.") : enableEndpoint(id)));
  await recordAudit({
    ...actor,
    action: disabled ? "webhook.endpoint_disabled" : "webhook.endpoint_enabled",
    target: target(id),
    ...(disabled ? { details: { reason: reason ?? null } } : {}),
  });
}

export async function removeEndpoint({ id, actor }: { id: string; actor: StaffActor }): Promise<void> {
  const endpoint = await getEndpoint(id);
  if (!endpoint || !(await deleteEndpoint(id))) throw new ConsoleError("not_found", `No webhook endpoint ${id}.`);
  await recordAudit({ ...actor, action: "webhook.endpoint_deleted", target: target(id), details: { url: endpoint.url } });
}

export async function saveRoutes({ id, routes, actor }: { id: string; routes: RouteInput[]; actor: StaffActor }): Promise<void> {
  const saved = await managing(() => replaceRoutes(id, routes));
  await recordAudit({ ...actor, action: "webhook.routes_replaced", target: target(id), details: { routes: saved.length } });
}

export async function testEndpoint({ id, actor }: { id: string; actor: StaffActor }): Promise<DeliveryOutcome> {
  if (!(await getEndpoint(id))) throw new ConsoleError("not_found", `No webhook endpoint ${id}.`);
  const outcome = await sendTestEvent(id);
  await recordAudit({ ...actor, action: "webhook.test_sent", target: target(id), details: { ok: outcome.ok, status: outcome.status } });
  return outcome;
}

export async function redeliverDelivery({ deliveryId, actor }: { deliveryId: string; actor: StaffActor }): Promise<void> {
  const row = await db().webhookDelivery.findFirst({
    where: { id: deliveryId, componentAppid: componentAppid() },
    select: { endpointId: true, eventId: true, endpoint: { select: { deletedAt: true } } },
  });
  if (!row || row.endpoint.deletedAt) throw new ConsoleError("not_found", `No webhook delivery ${deliveryId}.`);
  // A sender holds it right now: its attempt decides, and staff can ask again afterwards.
  if (!(await redeliver(deliveryId))) throw new ConsoleError("not_applicable", `Delivery ${deliveryId} is being sent right now.`);
  await recordAudit({
    ...actor,
    action: "webhook.redelivered",
    target: target(row.endpointId),
    details: { deliveryId, eventId: row.eventId },
  });
}

// ——— What the pages show ———

export type EndpointState = { kind: "active" } | { kind: "failing"; since: Date } | { kind: "disabled"; at: Date; reason: string | null };

export function endpointState(row: Pick<EndpointView, "disabledAt" | "disabledReason" | "failingSince">): EndpointState {
  if (row.disabledAt) return { kind: "disabled", at: row.disabledAt, reason: row.disabledReason };
  if (row.failingSince) return { kind: "failing", since: row.failingSince };
  return { kind: "active" };
}

export type EndpointSummary = EndpointView & { state: EndpointState; pending: number; failed: number };

type Waiting = { pending: number; failed: number };

async function waitingCounts(endpointIds: string[]): Promise<Map<string, Waiting>> {
  const counts = new Map<string, Waiting>(endpointIds.map((id) => [id, { pending: 0, failed: 0 }]));
  if (endpointIds.length === 0) return counts;
  const groups = await db().webhookDelivery.groupBy({
    by: ["endpointId", "status"],
    where: { endpointId: { in: endpointIds }, status: { in: ["pending", "failed"] } },
    _count: { _all: true },
  });
  for (const group of groups) {
    const entry = counts.get(group.endpointId);
    if (entry && (group.status === "pending" || group.status === "failed")) entry[group.status] = group._count._all;
  }
  return counts;
}

/** Every live endpoint with its state and how many deliveries wait or failed. */
export async function listEndpointSummaries(): Promise<EndpointSummary[]> {
  const endpoints = await listEndpoints();
  const counts = await waitingCounts(endpoints.map((endpoint) => endpoint.id));
  return endpoints.map((endpoint) => ({
    ...endpoint,
    state: endpointState(endpoint),
    ...(counts.get(endpoint.id) ?? { pending: 0, failed: 0 }),
  }));
}

export type EndpointDetail = EndpointSummary;

export async function loadEndpointDetail(id: string, { now = new Date() }: { now?: Date } = {}): Promise<EndpointDetail | null> {
  const endpoint = isEndpointId(id) ? await getEndpoint(id) : null;
  if (!endpoint) return null;
  const { deliveryCounts, ...view } = endpoint;
  return {
    ...view,
    // A grace that has run out is no longer worth showing.
    previousSecretExpiresAt: view.previousSecretExpiresAt && view.previousSecretExpiresAt > now ? view.previousSecretExpiresAt : null,
    state: endpointState(view),
    pending: deliveryCounts.pending,
    failed: deliveryCounts.failed,
  };
}

export type { RouteView };

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const satisfies readonly WebhookDeliveryStatus[];

/** For the overview: endpoints that need someone's attention. */
export async function endpointHealthCounts(): Promise<{ failing: number; disabled: number }> {
  const live = { componentAppid: componentAppid(), deletedAt: null };
  const [failing, disabled] = await Promise.all([
    db().webhookEndpoint.count({ where: { ...live, disabledAt: null, failingSince: { not: null } } }),
    db().webhookEndpoint.count({ where: { ...live, disabledAt: { not: null } } }),
  ]);
  return { failing, disabled };
}
