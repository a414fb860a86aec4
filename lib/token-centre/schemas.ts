// The token centre's wire shapes, in one place: routes validate with them and the OpenAPI document
// (openapi.ts) is generated from them, so the two cannot drift apart.
import { z } from "zod";
import { API_ERROR_CODES } from "./errors";
import type { ErrorClass } from "../wechat/errors";

const ERROR_CLASSES = ["retry", "refresh", "re-authorize", "configuration", "quota", "client"] as const satisfies readonly ErrorClass[];

/** Authorizer appids as WeChat issues them; anything else is refused before a database look-up. */
export const authorizerAppidSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "appid must be 1-64 letters, digits, _ or -")
  .meta({ description: "The authorizer's appid (official account, mini program, ...).", examples: ["wx570bc396a51b8ff8"] });

const isoTime = z.iso.datetime({ offset: true }).meta({ description: "When the token expires (ISO 8601). Ask again before then." });

export const componentTokenResponseSchema = z
  .object({
    component_appid: z.string(),
    component_access_token: z.string(),
    expires_at: isoTime,
  })
  .meta({ description: "The component_access_token, shared by every caller; refreshed ahead of expiry by the portal." });

export const authorizerTokenResponseSchema = z
  .object({
    authorizer_appid: z.string(),
    authorizer_access_token: z.string(),
    expires_at: isoTime,
  })
  .meta({ description: "The authorizer_access_token for calling the authorizer's APIs on its behalf (代调用)." });

export const authorizerTokenRefreshRequestSchema = z.object({
  rejected_token: z
    .string()
    .min(1, "rejected_token must be the token WeChat rejected")
    .max(2048, "rejected_token must be at most 2048 characters")
    .meta({ description: "The authorizer_access_token WeChat answered 40001 or 42001 to, exactly as this API handed it out." }),
});

export const authorizerTokenRefreshResponseSchema = authorizerTokenResponseSchema
  .extend({
    refreshed: z.boolean().meta({
      description:
        "true: the portal obtained a new token from WeChat now; false: it had already replaced the rejected one, which is answered.",
    }),
  })
  .meta({ description: "A token other than the rejected one." });

export const jssdkSignatureRequestSchema = z.object({
  url: z
    .url({ protocol: /^https?$/, error: "url must be an absolute http(s) URL" })
    .max(4096, "url must be at most 4096 characters")
    .meta({
      description: "The absolute http(s) URL of the page calling wx.config; anything after # is ignored.",
      examples: ["https://shop.example.com/p/1?from=menu"],
    }),
});

export const jssdkSignatureResponseSchema = z
  .object({
    appId: z.string(),
    timestamp: z.number().int().meta({ description: "Unix seconds." }),
    nonceStr: z.string(),
    signature: z.string().regex(/^[0-9a-f]{40}$/),
  })
  .meta({ description: "Pass to wx.config together with jsApiList." });

export const errorResponseSchema = z.object({
  error: z.enum(API_ERROR_CODES),
  message: z.string().meta({ description: "What went wrong and what to do about it, in English." }),
  errcode: z.number().int().optional().meta({ description: "WeChat's errcode (wechat_error only)." }),
  class: z
    .enum(ERROR_CLASSES)
    .optional()
    .meta({ description: "What the errcode means for the caller (wechat_error, wechat_unavailable)." }),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .meta({ description: "The fields that are wrong (invalid_request only)." }),
});

export type ComponentTokenResponse = z.infer<typeof componentTokenResponseSchema>;
export type AuthorizerTokenResponse = z.infer<typeof authorizerTokenResponseSchema>;
export type AuthorizerTokenRefreshResponse = z.infer<typeof authorizerTokenRefreshResponseSchema>;
export type JssdkSignatureResponse = z.infer<typeof jssdkSignatureResponseSchema>;
