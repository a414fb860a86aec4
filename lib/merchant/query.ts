// The query of /authorize and /m/authorize: `attempt` resumes an attempt (links issued from the
// console); otherwise auth_type, biz_appid and category_id_list (WeChat's own names) describe a new one.
import { z } from "zod";
import { attemptInputSchema } from "../authorization/attempts";
import type { AuthType } from "../wechat/links";

export type SearchParams = Record<string, string | string[] | undefined>;

export type QueryField = "attempt" | "auth_type" | "biz_appid" | "category_id_list";

export type NewAttemptInput = { authType: AuthType; bizAppid?: string; permissionSetIds: number[] };

export type AuthorizeQuery =
  { kind: "resume"; attemptId: string } | { kind: "create"; input: NewAttemptInput } | { kind: "invalid"; fields: QueryField[] };

// Ids are 128 random bits in base64url (22 characters); a little room for other issuers.
export const attemptIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

const FIELD_OF: Record<string, QueryField> = { authType: "auth_type", bizAppid: "biz_appid", permissionSetIds: "category_id_list" };

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)?.trim();

/** `1|2|3` as WeChat writes it; commas are forgiven. Undefined when any part is not a number. */
function parseIdList(value: string | undefined): number[] | undefined {
  if (!value) return [];
  const parts = value
    .split(/[|,]/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (!parts.every((part) => /^\d{1,9}$/.test(part))) return undefined;
  return [...new Set(parts.map(Number))];
}

export function parseAuthorizeQuery(params: SearchParams): AuthorizeQuery {
  const attempt = first(params.attempt);
  if (attempt !== undefined && attempt !== "") {
    return attemptIdSchema.safeParse(attempt).success ? { kind: "resume", attemptId: attempt } : { kind: "invalid", fields: ["attempt"] };
  }
  const authType = first(params.auth_type);
  const bizAppid = first(params.biz_appid);
  const permissionSetIds = parseIdList(first(params.category_id_list));
  const fields = new Set<QueryField>();
  if (permissionSetIds === undefined) fields.add("category_id_list");
  if (authType !== undefined && authType !== "" && !/^\d$/.test(authType)) fields.add("auth_type");
  const parsed = attemptInputSchema.safeParse({
    authType: authType === undefined || authType === "" ? undefined : authType,
    bizAppid: bizAppid === undefined || bizAppid === "" ? undefined : bizAppid,
    permissionSetIds: permissionSetIds ?? [],
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FIELD_OF[String(issue.path[0])];
      if (field) fields.add(field);
    }
  }
  if (fields.size > 0 || !parsed.success) return { kind: "invalid", fields: [...fields] };
  const input: NewAttemptInput = { authType: parsed.data.authType as AuthType, permissionSetIds: parsed.data.permissionSetIds };
  if (parsed.data.bizAppid !== undefined) input.bizAppid = parsed.data.bizAppid;
  return { kind: "create", input };
}

/** A URL's query in the shape pages receive (repeated names become arrays). */
export function toSearchParams(params: URLSearchParams): SearchParams {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const existing = out[name];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
