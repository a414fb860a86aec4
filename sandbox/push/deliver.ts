// Delivering to the portal the way WeChat does: POST, expect the plain answer `success` within 5 s,
// otherwise retry up to 3 times. Every attempt lands in the delivery log; a portal that is not up yet
// only produces failed deliveries, never a crash.
import { sleep } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { describeFault, takeFaults } from "../faults/faults";
import type { Delivery, DeliveryAttempt } from "../state/types";
import { withQuery, type SealedRequest } from "./envelope";

const ANSWER_LOG_LIMIT = 500;

export type PostResult = { status?: number; answer?: string; error?: string; durationMs: number };

/** One HTTP POST with a timeout; never throws. */
export async function postOnce(ctx: SandboxContext, args: { url: string; body: string; timeoutMs: number }): Promise<PostResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(args.timeoutMs);
  const signal = AbortSignal.any([timeout, ctx.shutdown.signal]);
  try {
    const response = await fetch(args.url, {
      method: "POST",
      headers: { "content-type": "text/xml; charset=utf-8", "user-agent": "Mozilla/4.0 (WeChat sandbox)" },
      body: args.body,
      signal,
    });
    const answer = await response.text();
    return { status: response.status, answer, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const reason = timeout.aborted
      ? `no answer within ${args.timeoutMs} ms`
      : ctx.shutdown.signal.aborted
        ? "sandbox shutting down"
        : describeFetchError(error);
    return { error: reason, durationMs: Math.round(performance.now() - started) };
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

function isSuccess(result: PostResult): boolean {
  return result.status === 200 && (result.answer ?? "").trim() === "success";
}

/**
 * Push one sealed event to the event URL, honouring drop/duplicate faults. Resolves when the delivery
 * (and its duplicate, if any) is finished; callers usually do not wait.
 */
export async function pushToEventUrl(ctx: SandboxContext, args: { infoType: string; sealed: SealedRequest }): Promise<Delivery> {
  const url = withQuery(ctx.config.eventUrl, args.sealed.query);
  const faults = takeFaults(ctx, { scope: "push", endpoint: args.infoType });
  const delivery = ctx.state.createDelivery({
    kind: "push",
    infoType: args.infoType,
    url: ctx.config.eventUrl,
    createdAt: new Date().toISOString(),
    state: "pending",
    plaintext: args.sealed.plaintext,
    attempts: [],
  });
  if (faults.some((fault) => fault.kind === "drop-push")) {
    delivery.state = "dropped";
    ctx.logger.info({ delivery: delivery.id, infoType: args.infoType, faults: faults.map(describeFault) }, "push dropped by fault");
    return delivery;
  }
  const duplicate = faults.some((fault) => fault.kind === "duplicate-push");
  const first = deliverWithRetries(ctx, { delivery, url, body: args.sealed.body });
  if (!duplicate) return first;
  const copy = ctx.state.createDelivery({ ...delivery, state: "pending", attempts: [], duplicateOf: delivery.id });
  await Promise.all([first, deliverWithRetries(ctx, { delivery: copy, url, body: args.sealed.body })]);
  return delivery;
}

async function deliverWithRetries(ctx: SandboxContext, args: { delivery: Delivery; url: string; body: string }): Promise<Delivery> {
  const { delivery } = args;
  const attempts = 1 + ctx.config.pushRetries;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (ctx.shutdown.signal.aborted) break;
    const result = await postOnce(ctx, { url: args.url, body: args.body, timeoutMs: ctx.config.pushTimeoutMs });
    const record: DeliveryAttempt = {
      attempt,
      at: new Date().toISOString(),
      durationMs: result.durationMs,
      ok: isSuccess(result),
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.answer !== undefined ? { answer: result.answer.slice(0, ANSWER_LOG_LIMIT) } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    };
    delivery.attempts.push(record);
    ctx.logger.info(
      {
        delivery: delivery.id,
        infoType: delivery.infoType,
        attempt,
        status: result.status,
        error: result.error,
        durationMs: result.durationMs,
        ok: record.ok,
      },
      record.ok ? "push delivered" : "push not acknowledged",
    );
    if (record.ok) {
      delivery.state = "delivered";
      return delivery;
    }
    if (attempt < attempts && ctx.config.pushRetryDelayMs > 0) await sleep(ctx.config.pushRetryDelayMs);
  }
  delivery.state = "failed";
  return delivery;
}
