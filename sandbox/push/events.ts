// The component events WeChat pushes to the 授权事件接收URL, field for field as in WeChat's samples
// (tests/fixtures/wechat-vectors/events).
import { unixNow } from "../core/clock";
import type { SandboxContext } from "../core/context";
import { issueTicket } from "../state/issue";
import type { AuthCode, Delivery, Ticket } from "../state/types";
import { pushToEventUrl } from "./deliver";
import { buildWeChatXml, sealForReceiver, type XmlFields } from "./envelope";

function pushEvent(ctx: SandboxContext, infoType: string, fields: XmlFields): Promise<Delivery> {
  const plaintext = buildWeChatXml({
    AppId: ctx.config.component.appid,
    CreateTime: unixNow(),
    InfoType: infoType,
    ...fields,
  });
  const sealed = sealForReceiver(ctx, { plaintext, envelope: { AppId: ctx.config.component.appid } });
  return pushToEventUrl(ctx, { infoType, sealed });
}

export function pushVerifyTicket(ctx: SandboxContext): { ticket: Ticket; delivery: Promise<Delivery> } {
  const ticket = issueTicket(ctx);
  const delivery = pushEvent(ctx, "component_verify_ticket", { ComponentVerifyTicket: ticket.value });
  return { ticket, delivery };
}

export function pushAuthorizationEvent(
  ctx: SandboxContext,
  args: { infoType: "authorized" | "updateauthorized"; code: AuthCode },
): Promise<Delivery> {
  // AuthorizationCodeExpiredTime is a unix time: convert the code's expiry on the sandbox clock to wall time.
  const expiredUnix = Math.floor((Date.now() + (args.code.expiresAt - ctx.clock.now())) / 1000);
  return pushEvent(ctx, args.infoType, {
    AuthorizerAppid: args.code.authorizerAppid,
    AuthorizationCode: args.code.value,
    AuthorizationCodeExpiredTime: expiredUnix,
    PreAuthCode: args.code.preAuthCode ?? "",
  });
}

export function pushUnauthorized(ctx: SandboxContext, authorizerAppid: string): Promise<Delivery> {
  return pushEvent(ctx, "unauthorized", { AuthorizerAppid: authorizerAppid });
}

/** Fast registration result, in the element order of the real push (status and msg before appid). */
export function pushFastRegister(
  ctx: SandboxContext,
  args: { status: number; msg: string; appid: string; authCode: string; info: Record<string, string | number> },
): Promise<Delivery> {
  return pushEvent(ctx, "notify_third_fasteregister", {
    status: args.status,
    msg: args.msg,
    appid: args.appid,
    auth_code: args.authCode,
    info: args.info,
  });
}
