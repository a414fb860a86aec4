// Raw WeChat response shapes (snake_case, as sent). Loose objects: WeChat adds fields over time and an
// extra field must never break a token refresh. The app-facing types live in api.ts.
import { z } from "zod";

/** Every response may carry these; a non-zero errcode means failure whatever else is present. */
export const errorFieldsSchema = z.looseObject({
  errcode: z.number().optional(),
  errmsg: z.string().optional(),
});
export type RawErrorFields = z.infer<typeof errorFieldsSchema>;

const token = z.string().min(1);
const seconds = z.number().int().nonnegative();

export const rawComponentTokenSchema = z.looseObject({
  component_access_token: token,
  expires_in: seconds,
});
export type RawComponentToken = z.infer<typeof rawComponentTokenSchema>;

export const rawPreAuthCodeSchema = z.looseObject({
  pre_auth_code: token,
  expires_in: seconds,
});
export type RawPreAuthCode = z.infer<typeof rawPreAuthCodeSchema>;

export const rawConfirmInfoSchema = z.looseObject({
  need_confirm: z.number().optional(),
  already_confirm: z.number().optional(),
  can_confirm: z.number().optional(),
});

export const rawFuncInfoSchema = z.looseObject({
  funcscope_category: z.looseObject({ id: z.number().int() }),
  confirm_info: rawConfirmInfoSchema.optional(),
});
export type RawFuncInfo = z.infer<typeof rawFuncInfoSchema>;

export const rawQueryAuthSchema = z.looseObject({
  authorization_info: z.looseObject({
    authorizer_appid: z.string().min(1),
    authorizer_access_token: token,
    expires_in: seconds,
    authorizer_refresh_token: z.string().default(""),
    func_info: z.array(rawFuncInfoSchema).default([]),
  }),
});
export type RawQueryAuth = z.infer<typeof rawQueryAuthSchema>;

export const rawAuthorizerTokenSchema = z.looseObject({
  authorizer_access_token: token,
  expires_in: seconds,
  authorizer_refresh_token: z.string().optional(),
});
export type RawAuthorizerToken = z.infer<typeof rawAuthorizerTokenSchema>;

const idHolder = z.looseObject({ id: z.number().int() });

export const rawMiniProgramInfoSchema = z.looseObject({
  network: z.record(z.string(), z.array(z.string())).optional(),
  categories: z.array(z.looseObject({ first: z.string(), second: z.string() })).optional(),
  visit_status: z.number().optional(),
});

export const rawAuthorizerInfoSchema = z.looseObject({
  authorizer_info: z.looseObject({
    nick_name: z.string().optional(),
    head_img: z.string().optional(),
    service_type_info: idHolder.optional(),
    verify_type_info: idHolder.optional(),
    user_name: z.string().optional(),
    principal_name: z.string().optional(),
    alias: z.string().optional(),
    qrcode_url: z.string().optional(),
    signature: z.string().optional(),
    business_info: z.record(z.string(), z.number()).optional(),
    MiniProgramInfo: rawMiniProgramInfoSchema.optional(),
    register_type: z.number().optional(),
    account_status: z.number().optional(),
  }),
  authorization_info: z.looseObject({
    authorizer_appid: z.string().optional(),
    // Seen in the legacy official sample and in old responses instead of authorizer_appid.
    authorization_appid: z.string().optional(),
    appid: z.string().optional(),
    authorizer_refresh_token: z.string().optional(),
    func_info: z.array(rawFuncInfoSchema).default([]),
  }),
});
export type RawAuthorizerInfo = z.infer<typeof rawAuthorizerInfoSchema>;

export const rawAuthorizerListSchema = z.looseObject({
  total_count: z.number().int().nonnegative(),
  list: z
    .array(
      z.looseObject({
        authorizer_appid: z.string().min(1),
        // Live responses have been reported without it.
        refresh_token: z.string().optional(),
        auth_time: z.number().int(),
      }),
    )
    .default([]),
});
export type RawAuthorizerList = z.infer<typeof rawAuthorizerListSchema>;

export const rawAuthorizerOptionSchema = z.looseObject({
  authorizer_appid: z.string().optional(),
  option_name: z.string().min(1),
  option_value: z.union([z.string(), z.number()]).transform((value) => String(value)),
});
export type RawAuthorizerOption = z.infer<typeof rawAuthorizerOptionSchema>;

export const rawJsapiTicketSchema = z.looseObject({
  ticket: token,
  expires_in: seconds,
});
export type RawJsapiTicket = z.infer<typeof rawJsapiTicketSchema>;

/** Answers that are only `{errcode: 0, errmsg: "ok"}`. */
export const rawAcknowledgementSchema = errorFieldsSchema;
