// The control API (/sandbox/api/...): JSON in and out, zod-validated, 400 with the issues on bad input.
// The control page posts HTML forms to the same endpoints; those get a redirect back to /sandbox.
import type { Context, Hono } from "hono";
import { z } from "zod";
import { AuthorizationError, changePermissionSets, grantAuthorization, revokeAuthorization } from "../authorization/manage";
import { fastRegister } from "../authorization/fast-register";
import { createAccount } from "../authorization/new-account";
import { faultSpecSchema } from "../config";
import type { SandboxContext } from "../core/context";
import { pushVerifyTicket } from "../push/events";
import { runReleaseCheck, type ReleaseCheckResult } from "../release/run";
import { LIFETIMES, issuePreAuthCode } from "../state/issue";
import { listPermissionSets } from "../state/permission-sets";
import { describeState } from "./describe";
import { renderControlPage } from "./page";

const idList = z.preprocess((value) => {
  if (typeof value === "string")
    return value
      .split(/[\s,|]+/)
      .filter(Boolean)
      .map(Number);
  if (Array.isArray(value)) return value.map(Number);
  return value;
}, z.array(z.number().int().positive()).min(1));

export const formNumber = z.preprocess(
  (value) => (typeof value === "string" ? (value.trim() === "" ? undefined : Number(value)) : value),
  z.number(),
);
const formBoolean = z.preprocess(
  (value) => (typeof value === "string" ? value === "true" || value === "on" || value === "1" : value),
  z.boolean(),
);

const schemas = {
  reset: z.object({ pushTicket: formBoolean.optional() }),
  pushTicket: z.object({ wait: formBoolean.optional() }),
  appid: z.object({ appid: z.string().regex(/^wx[0-9a-f]{16}$/i, "a wx... appid") }),
  setPermissionSets: z.object({ appid: z.string().min(1), ids: idList }),
  authorize: z.object({ appid: z.string().min(1), ids: idList.optional(), push: formBoolean.optional() }),
  account: z.object({
    kind: z.enum(["official_account", "mini_program"]),
    nickName: z.string().min(1).max(30).optional(),
    serviceTypeId: formNumber.pipe(z.union([z.literal(0), z.literal(1), z.literal(2)])).optional(),
    verifyTypeId: formNumber.pipe(z.union([z.literal(-1), z.literal(0), z.literal(3)])).optional(),
  }),
  fasteregister: z.object({
    status: formNumber.pipe(z.number().int()).optional(),
    msg: z.string().optional(),
    type: z.enum(["enterprise", "personal"]).optional(),
    name: z.string().min(1).optional(),
    info: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  }),
  faults: z.union([z.object({ faults: z.array(faultSpecSchema) }), faultSpecSchema]),
  releaseCheck: z.object({ appid: z.string().optional() }),
  advanceClock: z.object({ seconds: formNumber.pipe(z.number().positive()) }),
  quota: z.object({ endpoint: z.string().min(1), limit: formNumber.pipe(z.number().int().min(0)) }),
};

const faultFormSchema = z.object({
  kind: faultSpecSchema.shape.kind,
  endpoint: z.preprocess((value) => (value === "" ? undefined : value), z.string().optional()),
  share: formNumber.optional(),
  ms: formNumber.optional(),
  count: formNumber.optional(),
});

export class BadRequest extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super("invalid request");
  }
}

export function isForm(c: Context): boolean {
  const type = c.req.header("content-type") ?? "";
  return type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data");
}

async function readInput(c: Context): Promise<unknown> {
  if (isForm(c)) {
    const form = await c.req.parseBody({ all: true });
    return Object.fromEntries(Object.entries(form).filter(([, value]) => value !== ""));
  }
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest([{ path: "(body)", message: "body is not valid JSON" }]);
  }
}

export async function parseInput<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const result = schema.safeParse(await readInput(c));
  if (result.success) return result.data;
  throw new BadRequest(result.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message })));
}

export function mountControlRoutes(app: Hono, ctx: SandboxContext): void {
  let lastReleaseCheck: ReleaseCheckResult | undefined;

  // Forms from the control page go back to it; API clients get JSON.
  const reply = (c: Context, data: unknown, status: 200 | 201 = 200) => (isForm(c) ? c.redirect("/sandbox", 303) : c.json(data, status));

  app.get("/sandbox", (c) => c.html(renderControlPage(ctx, { lastReleaseCheck })));

  app.get("/sandbox/api/state", (c) => c.json(describeState(ctx)));

  app.get("/sandbox/api/accounts", (c) =>
    c.json({
      accounts: ctx.state.listAccounts().map((account) => ({
        ...account,
        permissionSets: listPermissionSets(account.kind).map((set) => set.id),
      })),
    }),
  );

  // A new account no admin has authorized yet (tests that want one of their own).
  app.post("/sandbox/api/accounts", async (c) => {
    const account = createAccount(ctx, await parseInput(c, schemas.account));
    return reply(c, { ok: true, account: { ...account, permissionSets: listPermissionSets(account.kind).map((set) => set.id) } }, 201);
  });

  app.post("/sandbox/api/reset", async (c) => {
    const input = await parseInput(c, schemas.reset);
    ctx.state.reset(ctx.clock.now());
    lastReleaseCheck = undefined;
    const ticket = input.pushTicket === false ? undefined : pushVerifyTicket(ctx).ticket;
    ctx.logger.info("sandbox state reset");
    return reply(c, { ok: true, ...(ticket ? { ticket: ticket.value } : {}) });
  });

  app.post("/sandbox/api/push-ticket", async (c) => {
    const input = await parseInput(c, schemas.pushTicket);
    const { ticket, delivery } = pushVerifyTicket(ctx);
    if (!input.wait) return reply(c, { ticket: ticket.value });
    const done = await delivery;
    return reply(c, { ticket: ticket.value, delivery: done });
  });

  app.post("/sandbox/api/revoke", async (c) => {
    const { appid } = await parseInput(c, schemas.appid);
    void revokeAuthorization(ctx, appid).delivery;
    return reply(c, { ok: true, appid });
  });

  app.post("/sandbox/api/set-permission-sets", async (c) => {
    const input = await parseInput(c, schemas.setPermissionSets);
    const result = changePermissionSets(ctx, { appid: input.appid, funcIds: input.ids });
    return reply(c, {
      ok: true,
      appid: input.appid,
      infoType: result.infoType,
      auth_code: result.code.value,
      func_ids: result.code.funcIds,
    });
  });

  app.post("/sandbox/api/authorize", async (c) => {
    const input = await parseInput(c, schemas.authorize);
    const account = ctx.state.findAccount(input.appid);
    if (!account) throw new AuthorizationError(`unknown account ${input.appid}`);
    const funcIds = input.ids ?? listPermissionSets(account.kind).map((set) => set.id);
    const result = grantAuthorization(ctx, { appid: input.appid, funcIds, source: "control", push: input.push !== false });
    return reply(c, {
      ok: true,
      appid: input.appid,
      infoType: result.infoType,
      auth_code: result.code.value,
      expires_in: ctx.clock.expiresIn(LIFETIMES.authCode),
      func_ids: result.code.funcIds,
    });
  });

  // A pre_auth_code without a component token, for e2e tests and demos that open the merchant pages
  // directly (getting a component token here would cut short the portal's own).
  app.post("/sandbox/api/pre-auth-code", (c) => {
    const code = issuePreAuthCode(ctx);
    return c.json({ pre_auth_code: code.value, expires_in: ctx.clock.expiresIn(LIFETIMES.preAuthCode) });
  });

  app.post("/sandbox/api/fasteregister", async (c) => {
    const input = await parseInput(c, schemas.fasteregister);
    const result = fastRegister(ctx, {
      status: input.status ?? 0,
      msg: input.msg ?? (input.status && input.status !== 0 ? "FAIL" : "OK"),
      type: input.type ?? "enterprise",
      ...(input.name ? { name: input.name } : {}),
      ...(input.info ? { info: input.info } : {}),
    });
    return reply(c, { ok: true, appid: result.appid, auth_code: result.authCode });
  });

  app.get("/sandbox/api/faults", (c) => c.json({ faults: ctx.state.data.faults }));
  app.post("/sandbox/api/faults", async (c) => {
    const input = isForm(c)
      ? { faults: [await parseInput(c, faultFormSchema.pipe(faultSpecSchema))] }
      : await parseInput(c, schemas.faults);
    const specs = "faults" in input ? input.faults : [input];
    const added = specs.map((spec) => ctx.state.addFault(spec));
    return reply(c, { faults: added }, 201);
  });
  app.delete("/sandbox/api/faults", (c) => {
    ctx.state.data.faults = [];
    ctx.state.changed();
    return c.json({ ok: true });
  });
  app.delete("/sandbox/api/faults/:id", (c) => {
    const before = ctx.state.data.faults.length;
    ctx.state.data.faults = ctx.state.data.faults.filter((fault) => fault.id !== c.req.param("id"));
    ctx.state.changed();
    return c.json({ ok: true, removed: before - ctx.state.data.faults.length });
  });
  // HTML forms cannot send DELETE.
  app.post("/sandbox/api/faults/clear", (c) => {
    ctx.state.data.faults = [];
    ctx.state.changed();
    return reply(c, { ok: true });
  });

  app.get("/sandbox/api/deliveries", (c) => {
    const { kind, infoType, limit } = c.req.query();
    const max = Math.min(Number(limit) || 200, 5000);
    const deliveries = ctx.state.deliveries.filter(
      (delivery) => (!kind || delivery.kind === kind) && (!infoType || delivery.infoType === infoType),
    );
    return c.json({ total: deliveries.length, deliveries: deliveries.slice(-max) });
  });

  app.get("/sandbox/api/calls", (c) => {
    const { endpoint, since_id: sinceId, limit } = c.req.query();
    const max = Math.min(Number(limit) || 1000, 5000);
    const calls = ctx.state.calls.filter((call) => (!endpoint || call.endpoint === endpoint) && (!sinceId || call.id > Number(sinceId)));
    return c.json({ total: calls.length, calls: calls.slice(-max) });
  });

  app.get("/sandbox/api/custom-messages", (c) => c.json({ messages: ctx.state.data.customMessages }));

  app.post("/sandbox/api/release-check", async (c) => {
    const input = await parseInput(c, schemas.releaseCheck);
    try {
      lastReleaseCheck = await runReleaseCheck(ctx, input.appid ? { appid: input.appid } : {});
    } catch (error) {
      throw new BadRequest([{ path: "appid", message: (error as Error).message }]);
    }
    return reply(c, lastReleaseCheck);
  });

  app.post("/sandbox/api/clock/advance", async (c) => {
    const { seconds } = await parseInput(c, schemas.advanceClock);
    ctx.clock.advance(seconds);
    return reply(c, { ok: true, advancedSeconds: seconds, now: new Date(ctx.clock.now()).toISOString() });
  });

  app.post("/sandbox/api/quotas", async (c) => {
    const { endpoint, limit } = await parseInput(c, schemas.quota);
    ctx.state.data.quotaLimits[endpoint] = limit;
    ctx.state.changed();
    return reply(c, { ok: true, quotaLimits: ctx.state.data.quotaLimits });
  });
}
