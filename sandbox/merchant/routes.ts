// The merchant side on WeChat's own paths: the PC page (mp.weixin.qq.com/cgi-bin/componentloginpage), the
// H5 page (open.weixin.qq.com/wxaopen/safe/bindcomponent), and the "phone" the admin confirms on.
import type { Context, Hono } from "hono";
import type { SandboxContext } from "../core/context";
import type { AuthSession } from "../state/types";
import { renderAvatarSvg, renderQrSvg } from "./assets";
import { readAuthorizationLink, type Refusal } from "./link";
import { renderAccountList, renderEchoPage, renderPcLoginPage, renderPermissionPage, renderRefusalPage, renderResultPage } from "./pages";
import { cancelSession, confirmSession, createSession, describeSession, listCandidateAccounts, listOfferedSets } from "./sessions";

// WeChat answers refusals with a 200 page; the header lets tests and scripts tell them apart.
function refuse(c: Context, refusal: Refusal, variant: "pc" | "mobile") {
  c.header("x-sandbox-refusal", refusal.code);
  c.header("cache-control", "no-store");
  return c.html(renderRefusalPage({ message: refusal.message, variant }));
}

function accountListHtml(ctx: SandboxContext, session: AuthSession): string {
  const accounts = listCandidateAccounts(ctx, session).map((account) => {
    const authorization = ctx.state.findAuthorization(account.appid);
    return {
      account,
      authorized: authorization !== undefined && authorization.revokedAt === undefined,
      offered: listOfferedSets(session, account).length,
    };
  });
  return renderAccountList({ session, componentAppid: ctx.config.component.appid, accounts });
}

export function mountMerchantRoutes(app: Hono, ctx: SandboxContext): void {
  // GET /cgi-bin/componentloginpage — PC authorization page, opened from the portal's 授权发起页
  app.get("/cgi-bin/componentloginpage", (c) => {
    const read = readAuthorizationLink(ctx, { query: c.req.query(), referer: c.req.header("referer") });
    if (read.refusal) return refuse(c, read.refusal, "pc");
    const session = createSession(ctx, { kind: "pc", link: read.link });
    const phoneUrl = `${ctx.publicUrl()}/sandbox/phone/${session.id}`;
    c.header("cache-control", "no-store");
    return c.html(
      renderPcLoginPage({
        session,
        componentAppid: ctx.config.component.appid,
        qrSvg: renderQrSvg(phoneUrl),
        phoneUrl,
        accounts: listCandidateAccounts(ctx, session),
      }),
    );
  });

  // GET /wxaopen/safe/bindcomponent — H5 authorization page, opened inside WeChat on the admin's phone
  const bindComponent = (c: Context) => {
    const read = readAuthorizationLink(ctx, { query: c.req.query(), referer: c.req.header("referer") });
    if (read.refusal) return refuse(c, read.refusal, "mobile");
    const session = createSession(ctx, { kind: "h5", link: read.link });
    c.header("cache-control", "no-store");
    return c.html(accountListHtml(ctx, session));
  };
  app.get("/wxaopen/safe/bindcomponent", bindComponent);
  // The older H5 link on mp.weixin.qq.com, still found in many integrations.
  app.get("/safe/bindcomponent", bindComponent);

  // GET /sandbox/session/:id — the PC page polls this until the phone confirms or cancels
  app.get("/sandbox/session/:id", (c) => {
    const session = ctx.state.findSession(c.req.param("id"));
    if (!session) return c.json({ status: "unknown" }, 404);
    c.header("cache-control", "no-store");
    return c.json(describeSession(ctx, session));
  });

  // GET /sandbox/phone/:id — what the admin sees in WeChat after scanning the PC page's QR
  app.get("/sandbox/phone/:id", (c) => {
    const session = ctx.state.findSession(c.req.param("id"));
    if (!session) return refuse(c, { code: "params", message: "二维码失效" }, "mobile");
    const state = describeSession(ctx, session);
    if (state.status === "confirmed") return c.html(renderResultPage({ kind: "success", variant: "mobile", detail: "请在电脑上继续操作" }));
    if (state.status === "cancelled") return c.html(renderResultPage({ kind: "cancelled", variant: "mobile", detail: "你已取消本次授权" }));
    if (state.status === "expired") return refuse(c, { code: "pre_auth_code_expired", message: "二维码失效" }, "mobile");
    if (session.status === "waiting") {
      session.status = "scanned";
      ctx.state.changed();
    }
    return c.html(accountListHtml(ctx, session));
  });

  // GET /sandbox/phone/:id/account/:appid — permission sets of one account, all ticked
  app.get("/sandbox/phone/:id/account/:appid", (c) => {
    const session = ctx.state.findSession(c.req.param("id"));
    if (!session) return refuse(c, { code: "params", message: "二维码失效" }, "mobile");
    const account = listCandidateAccounts(ctx, session).find((candidate) => candidate.appid === c.req.param("appid"));
    if (!account) return refuse(c, { code: "params", message: "授权参数错误，请检查" }, "mobile");
    const authorization = ctx.state.findAuthorization(account.appid);
    return c.html(
      renderPermissionPage({
        session,
        componentAppid: ctx.config.component.appid,
        account,
        sets: listOfferedSets(session, account),
        authorized: authorization !== undefined && authorization.revokedAt === undefined,
      }),
    );
  });

  // POST /sandbox/phone/:id/confirm — the admin taps 授权
  app.post("/sandbox/phone/:id/confirm", async (c) => {
    const session = ctx.state.findSession(c.req.param("id"));
    if (!session) return refuse(c, { code: "params", message: "二维码失效" }, "mobile");
    const form = await c.req.parseBody({ all: true });
    const appid = typeof form.appid === "string" ? form.appid : "";
    const rawIds = form.func === undefined ? [] : Array.isArray(form.func) ? form.func : [form.func];
    const funcIds = rawIds.filter((value): value is string => typeof value === "string").map(Number);
    const outcome = confirmSession(ctx, { session, appid, funcIds });
    if ("refusal" in outcome) return refuse(c, outcome.refusal, "mobile");
    ctx.logger.info({ session: session.id, authorizer: appid, infoType: outcome.infoType }, "merchant confirmed");
    if (session.kind === "h5") return c.redirect(outcome.redirectTo, 302);
    return c.html(renderResultPage({ kind: "success", variant: "mobile", detail: "请在电脑上继续操作" }));
  });

  // POST /sandbox/phone/:id/cancel — the admin taps 取消
  app.post("/sandbox/phone/:id/cancel", (c) => {
    const session = ctx.state.findSession(c.req.param("id"));
    if (!session) return refuse(c, { code: "params", message: "二维码失效" }, "mobile");
    cancelSession(ctx, session);
    return c.html(renderResultPage({ kind: "cancelled", variant: "mobile", detail: "你已取消本次授权" }));
  });

  // GET /sandbox/avatar/:appid.svg and /sandbox/qrcode/:appid.svg — head_img and qrcode_url of accounts
  app.get("/sandbox/avatar/:file", (c) => {
    const account = ctx.state.findAccount(c.req.param("file").replace(/\.svg$/, ""));
    if (!account) return c.notFound();
    c.header("content-type", "image/svg+xml; charset=utf-8");
    c.header("cache-control", "public, max-age=86400");
    return c.body(renderAvatarSvg(account));
  });
  app.get("/sandbox/qrcode/:file", (c) => {
    const account = ctx.state.findAccount(c.req.param("file").replace(/\.svg$/, ""));
    if (!account) return c.notFound();
    c.header("content-type", "image/svg+xml; charset=utf-8");
    return c.body(renderQrSvg(`http://weixin.qq.com/r/${account.userName}`, 258));
  });

  // GET /sandbox/echo — a harmless redirect_uri for demos and tests without a portal
  app.get("/sandbox/echo", (c) => c.html(renderEchoPage({ url: c.req.url, query: c.req.query() })));
}
