// Control API for authorizer traffic: POST /sandbox/api/messages sends one message (or a burst) to the
// portal's message URL as WeChat would and answers with what WeChat got back; GET lists the recent sends
// of an account with their replies, i.e. what "the user" received.
import type { Context, Hono } from "hono";
import pLimit from "p-limit";
import { z } from "zod";
import { BadRequest, formNumber, isForm, parseInput } from "../control/routes";
import type { SandboxContext } from "../core/context";
import type { SentMessage } from "../state/types";
import { buildAuthorizerMessage, MESSAGE_SPECS, MESSAGE_TYPES, MessageInputError, parseMessageFields, refusalFor } from "./build";
import { deliverAuthorizerMessage } from "./deliver";

export const MAX_BURST = 1000;
const DEFAULT_CONCURRENCY = 20;
/** How many results a burst answers with (the summary counts them all). */
const BURST_RESULTS = 20;

const sendSchema = z.looseObject({
  appid: z.string().min(1),
  type: z.enum(MESSAGE_TYPES, { error: `type must be one of ${MESSAGE_TYPES.join(", ")}` }),
  count: formNumber.pipe(z.number().int().min(1).max(MAX_BURST)).optional(),
  concurrency: formNumber.pipe(z.number().int().min(1).max(100)).optional(),
  from_user: z.string().min(1).max(64).optional(),
});
const CONTROL_KEYS = new Set(["appid", "type", "count", "concurrency", "from_user"]);

function summarize(results: SentMessage[], durationMs: number) {
  const count = (status: SentMessage["status"]) => results.filter((result) => result.status === status).length;
  return {
    replied: count("replied"),
    no_reply: count("no_reply"),
    bad_reply: count("bad_reply"),
    failed: count("failed"),
    /** Messages that needed more than one try. */
    retried: results.filter((result) => result.tries > 1).length,
    duration_ms: durationMs,
  };
}

function notFound(c: Context, appid: string) {
  return c.json({ error: `unknown account ${appid}` }, 404);
}

export function mountMessageRoutes(app: Hono, ctx: SandboxContext): void {
  app.post("/sandbox/api/messages", async (c) => {
    const input = await parseInput(c, sendSchema);
    const account = ctx.state.findAccount(input.appid);
    if (!account) return notFound(c, input.appid);
    const refusal = refusalFor(input.type, account);
    if (refusal) throw new BadRequest([{ path: "type", message: refusal }]);
    const authorization = ctx.state.findAuthorization(account.appid);
    if (!authorization || authorization.revokedAt !== undefined) {
      return c.json({ error: `${account.appid} has not authorized the component: WeChat sends it no traffic for that account` }, 409);
    }
    // JSON callers get an error for a field the type does not have; the control page's form carries
    // every input it shows (a text box for `content`), so there only the type's own fields are kept.
    const known = isForm(c) ? new Set(Object.keys(MESSAGE_SPECS[input.type].fields.shape)) : undefined;
    const fieldInput = Object.fromEntries(
      Object.entries(input).filter(([key]) => !CONTROL_KEYS.has(key) && (known === undefined || known.has(key))),
    );
    let fields: Record<string, unknown>;
    try {
      fields = parseMessageFields(input.type, fieldInput);
    } catch (error) {
      if (error instanceof MessageInputError) throw new BadRequest(error.issues);
      throw error;
    }

    const count = input.count ?? 1;
    const started = performance.now();
    const limit = pLimit(input.concurrency ?? DEFAULT_CONCURRENCY);
    // A burst without from_user comes from as many users, so its events (which WeChat tells apart by
    // FromUserName + CreateTime only) stay distinct within one second.
    const userFor = (index: number) => input.from_user ?? (count > 1 ? `user-${index + 1}` : "user-1");
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        limit(() => {
          const message = buildAuthorizerMessage(ctx, { account, type: input.type, fields, fromUser: userFor(index) });
          return deliverAuthorizerMessage(ctx, { account, message });
        }),
      ),
    );
    const summary = summarize(results, Math.round(performance.now() - started));
    ctx.logger.info({ appid: account.appid, type: input.type, count, ...summary }, "authorizer messages sent");
    if (isForm(c)) return c.redirect("/sandbox#messages", 303);
    return c.json({ sent: results.length, summary, results: results.slice(0, BURST_RESULTS) });
  });

  app.get("/sandbox/api/messages", (c) => {
    const { appid, limit } = c.req.query();
    const max = Math.min(Number(limit) || 50, 1000);
    if (appid && !ctx.state.findAccount(appid)) return notFound(c, appid);
    const lists = appid ? [ctx.state.sentMessages.get(appid) ?? []] : [...ctx.state.sentMessages.values()];
    const messages = lists
      .flat()
      .sort((a, b) => b.delivery_id - a.delivery_id)
      .slice(0, max);
    return c.json({ messages });
  });
}
