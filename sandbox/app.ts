// One Hono app answering on WeChat's three hosts at once (api.weixin.qq.com, mp.weixin.qq.com,
// open.weixin.qq.com paths) plus the sandbox's own /sandbox pages and control API.
import { Hono } from "hono";
import { mountApiRoutes } from "./api/routes";
import { AuthorizationError } from "./authorization/manage";
import { BadRequest, mountControlRoutes } from "./control/routes";
import type { SandboxContext } from "./core/context";
import { mountMerchantRoutes } from "./merchant/routes";
import { mountMessageRoutes } from "./messages/routes";

export function createApp(ctx: SandboxContext): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    ctx.logger.debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });

  mountApiRoutes(app, ctx);
  mountMerchantRoutes(app, ctx);
  mountControlRoutes(app, ctx);
  mountMessageRoutes(app, ctx);

  app.get("/", (c) => c.redirect("/sandbox", 302));

  app.notFound((c) => {
    if (c.req.path.startsWith("/sandbox/api/")) return c.json({ error: `no control endpoint ${c.req.method} ${c.req.path}` }, 404);
    return c.text(`WeChat sandbox: nothing at ${c.req.method} ${c.req.path}`, 404);
  });

  app.onError((error, c) => {
    if (error instanceof BadRequest) return c.json({ error: "invalid request", issues: error.issues }, 400);
    if (error instanceof AuthorizationError) return c.json({ error: error.message }, 409);
    ctx.logger.error({ err: error, path: c.req.path }, "sandbox route crashed");
    return c.json({ error: "internal error" }, 500);
  });

  return app;
}
