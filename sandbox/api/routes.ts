// Every WeChat API path the portal calls, on WeChat's own paths (api.weixin.qq.com).
import type { Hono } from "hono";
import type { SandboxContext } from "../core/context";
import {
  getAuthorizerOption,
  getAuthorizerOptionLegacy,
  getTicket,
  sendCustomMessage,
  setAuthorizerOption,
  setAuthorizerOptionLegacy,
} from "./authorizer";
import {
  clearQuota,
  createComponentToken,
  createPreAuthCode,
  getAuthorizerInfo,
  getAuthorizerList,
  queryAuth,
  refreshAuthorizerToken,
  startPushTicket,
} from "./component";
import { mountApi, type ApiRoute } from "./http";

export const API_ROUTES: ApiRoute[] = [
  { method: "POST", path: "/cgi-bin/component/api_start_push_ticket", endpoint: "api_start_push_ticket", handler: startPushTicket },
  { method: "POST", path: "/cgi-bin/component/api_component_token", endpoint: "api_component_token", handler: createComponentToken },
  { method: "POST", path: "/cgi-bin/component/api_create_preauthcode", endpoint: "api_create_preauthcode", handler: createPreAuthCode },
  { method: "POST", path: "/cgi-bin/component/api_query_auth", endpoint: "api_query_auth", handler: queryAuth },
  { method: "POST", path: "/cgi-bin/component/api_authorizer_token", endpoint: "api_authorizer_token", handler: refreshAuthorizerToken },
  { method: "POST", path: "/cgi-bin/component/api_get_authorizer_info", endpoint: "api_get_authorizer_info", handler: getAuthorizerInfo },
  { method: "POST", path: "/cgi-bin/component/api_get_authorizer_list", endpoint: "api_get_authorizer_list", handler: getAuthorizerList },
  { method: "POST", path: "/cgi-bin/component/get_authorizer_option", endpoint: "get_authorizer_option", handler: getAuthorizerOption },
  { method: "POST", path: "/cgi-bin/component/set_authorizer_option", endpoint: "set_authorizer_option", handler: setAuthorizerOption },
  {
    method: "POST",
    path: "/cgi-bin/component/api_get_authorizer_option",
    endpoint: "get_authorizer_option",
    handler: getAuthorizerOptionLegacy,
  },
  {
    method: "POST",
    path: "/cgi-bin/component/api_set_authorizer_option",
    endpoint: "set_authorizer_option",
    handler: setAuthorizerOptionLegacy,
  },
  { method: "POST", path: "/cgi-bin/component/clear_quota/v2", endpoint: "clear_quota", handler: clearQuota },
  { method: "GET", path: "/cgi-bin/ticket/getticket", endpoint: "getticket", handler: getTicket },
  { method: "POST", path: "/cgi-bin/message/custom/send", endpoint: "custom_send", handler: sendCustomMessage },
];

export function mountApiRoutes(app: Hono, ctx: SandboxContext): void {
  for (const route of API_ROUTES) mountApi(app, ctx, route);
}
