// APIs called on an authorizer's behalf (代调用) with its authorizer_access_token, plus the legacy
// component-token variants of the option APIs.
import { OK_BODY, ErrcodeReply } from "../core/errors";
import { issueJsapiTicket, LIFETIMES } from "../state/issue";
import { REQUIRED_SETS } from "../state/permission-sets";
import type { Authorization } from "../state/types";
import type { SeededAccount } from "../state/accounts";
import {
  consumeQuota,
  requireAuthorization,
  requireAuthorizerToken,
  requireComponentAppid,
  requireComponentToken,
  requirePermission,
} from "./guards";
import { readString, type ApiHandler } from "./http";

/** Option names, their allowed values and the permission set each needs (61007 without it). */
const OPTIONS: Record<string, { values: readonly string[]; requiredSet: number }> = {
  location_report: { values: ["0", "1", "2"], requiredSet: 2 },
  voice_recognize: { values: ["0", "1"], requiredSet: 1 },
  customer_service: { values: ["0", "1"], requiredSet: 6 },
};

function readOption(authorization: Authorization, account: SeededAccount, name: string | undefined) {
  const option = name ? OPTIONS[name] : undefined;
  if (!name || !option) throw new ErrcodeReply(40097);
  requirePermission(authorization, account, { [account.kind]: [option.requiredSet] });
  return { name, option, value: authorization.options[name] ?? "0" };
}

export const getAuthorizerOption: ApiHandler = (ctx, { query, body }) => {
  const { authorization, account } = requireAuthorizerToken(ctx, query);
  consumeQuota(ctx, { endpoint: "get_authorizer_option", authorizerAppid: account.appid });
  const { name, value } = readOption(authorization, account, readString(body, "option_name"));
  return { authorizerAppid: account.appid, body: { option_name: name, option_value: value } };
};

export const setAuthorizerOption: ApiHandler = (ctx, { query, body }) => {
  const { authorization, account } = requireAuthorizerToken(ctx, query);
  consumeQuota(ctx, { endpoint: "set_authorizer_option", authorizerAppid: account.appid });
  const { name, option } = readOption(authorization, account, readString(body, "option_name"));
  const value = readString(body, "option_value");
  if (!value || !option.values.includes(value)) throw new ErrcodeReply(40097);
  authorization.options[name] = value;
  ctx.state.changed();
  return { authorizerAppid: account.appid, body: { ...OK_BODY } };
};

/** Legacy `api_get_authorizer_option?component_access_token=`: the answer names the authorizer too. */
export const getAuthorizerOptionLegacy: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  const { authorization, account } = requireAuthorization(ctx, readString(body, "authorizer_appid"));
  consumeQuota(ctx, { endpoint: "get_authorizer_option", authorizerAppid: account.appid });
  const { name, value } = readOption(authorization, account, readString(body, "option_name"));
  return { authorizerAppid: account.appid, body: { authorizer_appid: account.appid, option_name: name, option_value: value } };
};

export const setAuthorizerOptionLegacy: ApiHandler = (ctx, { query, body }) => {
  requireComponentToken(ctx, query);
  requireComponentAppid(ctx, body);
  const { authorization, account } = requireAuthorization(ctx, readString(body, "authorizer_appid"));
  consumeQuota(ctx, { endpoint: "set_authorizer_option", authorizerAppid: account.appid });
  const { name, option } = readOption(authorization, account, readString(body, "option_name"));
  const value = readString(body, "option_value");
  if (!value || !option.values.includes(value)) throw new ErrcodeReply(40097);
  authorization.options[name] = value;
  ctx.state.changed();
  return { authorizerAppid: account.appid, body: { ...OK_BODY } };
};

const TICKET_TYPES = new Set(["jsapi", "wx_card"]);

export const getTicket: ApiHandler = (ctx, { query }) => {
  const { authorization, account } = requireAuthorizerToken(ctx, query);
  if (!TICKET_TYPES.has(query.type ?? "")) throw new ErrcodeReply(40097);
  requirePermission(authorization, account, REQUIRED_SETS.getticket);
  consumeQuota(ctx, { endpoint: "getticket", authorizerAppid: account.appid });
  const ticket = issueJsapiTicket(ctx, account.appid);
  return {
    authorizerAppid: account.appid,
    body: { ...OK_BODY, ticket: ticket.value, expires_in: ctx.clock.expiresIn(LIFETIMES.jsapiTicket) },
  };
};

export const sendCustomMessage: ApiHandler = (ctx, { query, body }) => {
  const { token, authorization, account } = requireAuthorizerToken(ctx, query);
  requirePermission(authorization, account, REQUIRED_SETS.custom_send);
  if (!readString(body, "touser")) throw new ErrcodeReply(40003);
  if (!readString(body, "msgtype")) throw new ErrcodeReply(40008);
  consumeQuota(ctx, { endpoint: "custom_send", authorizerAppid: account.appid });
  ctx.state.data.customMessages.push({ at: ctx.clock.now(), authorizerAppid: account.appid, tokenOrigin: token.origin, body });
  ctx.state.changed();
  ctx.events.emit("customMessage");
  return { authorizerAppid: account.appid, body: { ...OK_BODY } };
};
