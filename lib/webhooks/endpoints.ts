// Managing webhook endpoints: where the hub's events go, which of them, and the routes that pick
// authorizer messages (message.received) for an endpoint. Shared by the token-centre API and the
// console; each caller authorizes and audits, this module validates, stores and answers. The
// signing secret is generated here, stored sealed, and returned only by createEndpoint and
// rotateSecret (after a rotation the old one keeps signing for a day, so receivers switch without
// a gap). Everything is scoped to the configured component (getEnv().component.appid).
import { z } from "zod";
import { merchantRefSchema } from "../authorization/merchant-binding";
import { db } from "../db";
import { getEnv } from "../env";
import type { Prisma } from "../generated/prisma/client";
import type { WebhookDeliveryStatus } from "../generated/prisma/enums";
import { appidSchema } from "../wechat/links";
import { EVENT_TYPES, type EventType } from "./event-types";
import { generateSecret, sealSecret } from "./send";
import { checkEndpointUrl } from "./url-policy";

/** How long a rotated-out secret still signs. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60_000;
export const MAX_ROUTES = 50;
export const MAX_DESCRIPTION = 500;

/** Input that cannot be stored: each issue names its field (`url`, `events.1`, `routes.0.msg_type`...). */
export class EndpointInputError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid webhook endpoint: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`);
    this.name = "EndpointInputError";
  }
}

export const msgTypeSchema = z.string().regex(/^[A-Za-z_]{1,32}$/, "msg_type must be a MsgType such as text, image or event");
export const eventNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, "event must be an Event such as subscribe, CLICK or weapp_audit_success");

/** One rule for message.received: every field given must match; reply waits for the endpoint's answer. */
export type RouteSpec = {
  authorizerAppid?: string | null;
  merchantRef?: string | null;
  msgType?: string | null;
  event?: string | null;
  reply?: boolean;
};

const routeSpecSchema = z.object({
  authorizerAppid: appidSchema.nullish(),
  merchantRef: merchantRefSchema.nullish(),
  msgType: msgTypeSchema.nullish(),
  event: eventNameSchema.nullish(),
  reply: z.boolean().default(false),
});

const routesSchema = z.array(routeSpecSchema).max(MAX_ROUTES, `at most ${MAX_ROUTES} routes`);

/** The URL as checkEndpointUrl allows it (https on a public host unless WEBHOOK_ALLOW_PRIVATE). */
export const endpointUrlSchema = z
  .string({ error: "url must be a string" })
  .trim()
  .max(2048, "url must be at most 2048 characters")
  .superRefine((value, ctx) => {
    const verdict = checkEndpointUrl(value);
    if (!verdict.ok) ctx.addIssue({ code: "custom", message: `url ${verdict.reason}` });
  });

export const eventTypesSchema = z
  .array(z.enum(EVENT_TYPES, { error: `each event must be one of ${EVENT_TYPES.join(", ")}` }))
  .min(1, "events must name at least one event type")
  .transform((events) => [...new Set(events)]);

const endpointSpecSchema = z.object({
  url: endpointUrlSchema,
  events: eventTypesSchema,
  description: z.string().trim().max(MAX_DESCRIPTION, `description must be at most ${MAX_DESCRIPTION} characters`).nullish(),
  routes: routesSchema.default([]),
});

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const snake = (segment: PropertyKey) => String(segment).replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  throw new EndpointInputError(
    result.error.issues.map((issue) => ({ path: issue.path.map(snake).join(".") || "(body)", message: issue.message })),
  );
}

export type RouteView = {
  id: string;
  authorizerAppid: string | null;
  merchantRef: string | null;
  msgType: string | null;
  event: string | null;
  reply: boolean;
};

export type EndpointView = {
  id: string;
  url: string;
  description: string | null;
  events: EventType[];
  routes: RouteView[];
  disabledAt: Date | null;
  disabledReason: string | null;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  /** Until then the secret before the last rotation still signs too. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
};

export type DeliveryCounts = Record<WebhookDeliveryStatus, number>;

const endpointSelect = {
  id: true,
  url: true,
  description: true,
  events: true,
  disabledAt: true,
  disabledReason: true,
  failingSince: true,
  lastSuccessAt: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  routes: {
    select: { id: true, authorizerAppid: true, merchantRef: true, msgType: true, event: true, reply: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  },
} as const satisfies Prisma.WebhookEndpointSelect;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

const toView = (row: EndpointRow): EndpointView => ({ ...row, events: row.events.filter((e): e is EventType => isKnown(e)) });
const isKnown = (value: string) => (EVENT_TYPES as readonly string[]).includes(value);

const componentAppid = () => getEnv().component.appid;
/** A live (not deleted) endpoint of this component. */
const live = (id: string): Prisma.WebhookEndpointWhereInput => ({ id, componentAppid: componentAppid(), deletedAt: null });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Endpoint ids are uuids; anything else names no endpoint (and would be refused by PostgreSQL). */
export const isEndpointId = (value: string) => UUID.test(value);

const routeRows = (endpointId: string, routes: z.output<typeof routesSchema>) =>
  routes.map((route) => ({
    endpointId,
    componentAppid: componentAppid(),
    authorizerAppid: route.authorizerAppid ?? null,
    merchantRef: route.merchantRef ?? null,
    msgType: route.msgType ?? null,
    event: route.event ?? null,
    reply: route.reply,
  }));

export type CreateEndpointInput = {
  url: string;
  events: readonly string[];
  description?: string | null;
  routes?: readonly RouteSpec[];
  createdByStaffId?: string | null;
  createdByApiKeyId?: string | null;
  /** Must be the configured component's (the only one for now); defaults to it. */
  componentAppid?: string;
};

/** Stores a new endpoint with a new secret. The returned `secret` is its only showing. */
export async function createEndpoint(input: CreateEndpointInput): Promise<EndpointView & { secret: string }> {
  if (input.componentAppid !== undefined && input.componentAppid !== componentAppid()) {
    throw new EndpointInputError([{ path: "component_appid", message: "must be the portal's component" }]);
  }
  const spec = validate(endpointSpecSchema, input);
  const secret = generateSecret();
  const row = await db().$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        componentAppid: componentAppid(),
        url: spec.url,
        description: spec.description || null,
        events: spec.events,
        ...sealSecret(secret),
        createdByStaffId: input.createdByStaffId ?? null,
        createdByApiKeyId: input.createdByApiKeyId ?? null,
      },
      select: { id: true },
    });
    await tx.webhookRoute.createMany({ data: routeRows(created.id, spec.routes) });
    return tx.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id }, select: endpointSelect });
  });
  return { ...toView(row), secret };
}

/** Live endpoints, newest first, without secrets. */
export async function listEndpoints(): Promise<EndpointView[]> {
  const rows = await db().webhookEndpoint.findMany({
    where: { componentAppid: componentAppid(), deletedAt: null },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: endpointSelect,
  });
  return rows.map(toView);
}

/** One live endpoint with its routes and how many of its deliveries are in each state; null when there is none. */
export async function getEndpoint(id: string): Promise<(EndpointView & { deliveryCounts: DeliveryCounts }) | null> {
  if (!isEndpointId(id)) return null;
  const row = await db().webhookEndpoint.findFirst({ where: live(id), select: endpointSelect });
  if (!row) return null;
  const groups = await db().webhookDelivery.groupBy({ by: ["status"], where: { endpointId: id }, _count: { _all: true } });
  const deliveryCounts: DeliveryCounts = { pending: 0, delivered: 0, failed: 0 };
  for (const group of groups) deliveryCounts[group.status] = group._count._all;
  return { ...toView(row), deliveryCounts };
}

/**
 * Deletes an endpoint (softly: its delivery log stays). Nothing more is sent to it: its pending
 * deliveries become failed. False when there was no such live endpoint.
 */
export async function deleteEndpoint(id: string, { now = new Date() }: { now?: Date } = {}): Promise<boolean> {
  if (!isEndpointId(id)) return false;
  return db().$transaction(async (tx) => {
    const { count } = await tx.webhookEndpoint.updateMany({ where: live(id), data: { deletedAt: now } });
    if (count === 0) return false;
    await tx.webhookDelivery.updateMany({
      where: { endpointId: id, status: "pending" },
      data: { status: "failed", nextAttemptAt: null, lastError: "The endpoint was deleted." },
    });
    return true;
  });
}

export class EndpointNotFoundError extends Error {
  constructor(id: string) {
    super(`no webhook endpoint ${id}`);
    this.name = "EndpointNotFoundError";
  }
}

/** A new secret; the current one keeps signing beside it for PREVIOUS_SECRET_GRACE_MS. */
export async function rotateSecret(
  id: string,
  { now = new Date() }: { now?: Date } = {},
): Promise<{ secret: string; previousExpiresAt: Date }> {
  const row = isEndpointId(id)
    ? await db().webhookEndpoint.findFirst({ where: live(id), select: { secretEnc: true, secretKeyId: true } })
    : null;
  if (!row) throw new EndpointNotFoundError(id);
  const secret = generateSecret();
  const previousExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS);
  const { count } = await db().webhookEndpoint.updateMany({
    // Only over the secret just read: two rotations at once cannot both keep "the previous" one.
    where: { ...live(id), secretEnc: row.secretEnc },
    data: {
      ...sealSecret(secret),
      previousSecretEnc: row.secretEnc,
      previousSecretKeyId: row.secretKeyId,
      previousSecretExpiresAt: previousExpiresAt,
    },
  });
  if (count === 0) throw new EndpointNotFoundError(id);
  return { secret, previousExpiresAt };
}

/** Nothing new is queued for it until it is enabled; `reason` is shown to staff. */
export async function disableEndpoint(id: string, reason: string, { now = new Date() }: { now?: Date } = {}): Promise<void> {
  const text = reason.trim().slice(0, MAX_DESCRIPTION) || "Disabled.";
  const { count } = isEndpointId(id)
    ? await db().webhookEndpoint.updateMany({ where: live(id), data: { disabledAt: now, disabledReason: text } })
    : { count: 0 };
  if (count === 0) throw new EndpointNotFoundError(id);
}

/** Back in service, with a clean slate: the failures that disabled it no longer count. */
export async function enableEndpoint(id: string): Promise<void> {
  const { count } = isEndpointId(id)
    ? await db().webhookEndpoint.updateMany({
        where: live(id),
        data: { disabledAt: null, disabledReason: null, failingSince: null },
      })
    : { count: 0 };
  if (count === 0) throw new EndpointNotFoundError(id);
}

/** The endpoint's routes become exactly `routes` (none: it receives every message). */
export async function replaceRoutes(endpointId: string, routes: readonly RouteSpec[]): Promise<RouteView[]> {
  const specs = validate(routesSchema, routes);
  return db().$transaction(async (tx) => {
    const endpoint = isEndpointId(endpointId)
      ? await tx.webhookEndpoint.findFirst({ where: live(endpointId), select: { id: true } })
      : null;
    if (!endpoint) throw new EndpointNotFoundError(endpointId);
    await tx.webhookRoute.deleteMany({ where: { endpointId } });
    await tx.webhookRoute.createMany({ data: routeRows(endpointId, specs) });
    return tx.webhookRoute.findMany({
      where: { endpointId },
      select: endpointSelect.routes.select,
      orderBy: endpointSelect.routes.orderBy,
    });
  });
}

export type DeliveryView = {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  endpointUrl: string;
  authorizerAppid: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** Pending only: when the next attempt is due. */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  /** An excerpt of what the endpoint answered last. */
  lastResponse: string | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
};

/** Where a page of a delivery log ends: the last row's createdAt and id. */
export type DeliveryCursor = { at: Date; id: string };

export const encodeDeliveryCursor = (cursor: DeliveryCursor) => `${cursor.at.toISOString()}_${cursor.id}`;

export function decodeDeliveryCursor(value: string | undefined): DeliveryCursor | undefined {
  const match = value ? /^(\d{4}-\d\d-\d\dT[\d:.]+Z)_([0-9a-f-]{36})$/.exec(value) : null;
  if (!match) return undefined;
  const at = new Date(match[1]!);
  return Number.isNaN(at.getTime()) ? undefined : { at, id: match[2]! };
}

/** A page of the delivery log (one endpoint's, one authorizer's, or all), newest first. */
export async function listDeliveries({
  endpointId,
  authorizerAppid,
  status,
  before,
  size = 30,
}: {
  endpointId?: string;
  authorizerAppid?: string;
  status?: WebhookDeliveryStatus;
  before?: DeliveryCursor;
  size?: number;
}): Promise<{ rows: DeliveryView[]; next: string | null }> {
  if (endpointId !== undefined && !isEndpointId(endpointId)) return { rows: [], next: null };
  const rows = await db().webhookDelivery.findMany({
    where: {
      componentAppid: componentAppid(),
      ...(endpointId ? { endpointId } : {}),
      ...(authorizerAppid ? { authorizerAppid } : {}),
      ...(status ? { status } : {}),
      ...(before ? { OR: [{ createdAt: { lt: before.at } }, { createdAt: before.at, id: { lt: before.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: size + 1,
    include: { event: { select: { type: true } }, endpoint: { select: { url: true } } },
  });
  const page = rows.slice(0, size);
  const last = page.at(-1);
  return {
    rows: page.map(({ event, endpoint, leaseUntil: _lease, componentAppid: _component, ...row }) => ({
      ...row,
      eventType: event.type,
      endpointUrl: endpoint.url,
      nextAttemptAt: row.status === "pending" ? row.nextAttemptAt : null,
    })),
    next: rows.length > size && last ? encodeDeliveryCursor({ at: last.createdAt, id: last.id }) : null,
  };
}
