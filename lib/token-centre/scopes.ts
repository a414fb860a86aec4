// What an API key may do. A key reads the component token or not; every authorizer's tokens, only
// a listed set, or none; uses the hub (authorization links, authorizers' records, webhook endpoints)
// or not; and may write (a token refresh, a link, an endpoint) unless it is read-only. The same scope
// has one text form everywhere (CLI, console, audit log, errors): `component`, `authorizers`,
// `authorizer:<appid>`, `hub`, `read-only`.
import { z } from "zod";
import { authorizerAppidSchema } from "./schemas";

export type ApiKeyScope = {
  /** GET /component/token. */
  component: boolean;
  /** Every authorizer, or only these appids (none when the list is empty). */
  authorizers: "all" | string[];
  /** Reads only: no refresh, no links, no webhook endpoints. */
  readOnly: boolean;
  /** The hub: authorization links, authorizers' records (within `authorizers`) and webhook endpoints. */
  hub: boolean;
};

/** What a caller may give: `hub` may be left out (no hub), as it was before the hub existed. */
export type ApiKeyScopeInput = Omit<ApiKeyScope, "hub"> & { hub?: boolean };

/** Everything (the CLI's `all`). Keys made before scopes existed have it without `hub`, from their migrations. */
export const FULL_SCOPE: ApiKeyScope = { component: true, authorizers: "all", readOnly: false, hub: true };

/** What the console offers by default: every token read, no write, no hub. */
export const DEFAULT_CONSOLE_SCOPE: ApiKeyScope = { component: true, authorizers: "all", readOnly: true, hub: false };

/** A longer list is better served by `authorizers` (all) or by several keys. */
export const MAX_LISTED_AUTHORIZERS = 1000;

const grantsSomething = (scope: ApiKeyScope) => scope.component || scope.hub || scope.authorizers === "all" || scope.authorizers.length > 0;

export const apiKeyScopeSchema = z
  .object({
    component: z.boolean(),
    authorizers: z.union([
      z.literal("all"),
      z
        .array(authorizerAppidSchema)
        .max(MAX_LISTED_AUTHORIZERS, `at most ${MAX_LISTED_AUTHORIZERS} authorizers: use "all" or several keys`),
    ]),
    readOnly: z.boolean(),
    hub: z.boolean().default(false),
  })
  .transform((scope): ApiKeyScope => ({
    ...scope,
    authorizers: scope.authorizers === "all" ? "all" : [...new Set(scope.authorizers)].sort(),
  }))
  .refine(grantsSomething, {
    message: "the key would be allowed nothing: give it the component token, the hub, all authorizers or at least one authorizer",
  });

export const SCOPE_WORDS_HELP = `component            the component_access_token
  authorizers          every authorizer's tokens and JS-SDK signatures
  authorizer:<appid>   only this authorizer's (repeat, or separate with commas)
  hub                  authorization links, authorizers' records (of the authorizers above) and
                       webhook endpoints (these need authorizers: all of them)
  read-only            reads only: no token refresh, no links, no webhook endpoints
  all                  component + authorizers + hub`;

/** `--scope component,authorizer:wx1 --scope read-only` (already split on commas) -> a scope. */
export function parseScopeWords(words: string[]): { ok: true; scope: ApiKeyScope } | { ok: false; message: string } {
  let component = false;
  let all = false;
  let readOnly = false;
  let hub = false;
  const listed: string[] = [];
  for (const word of words.map((w) => w.trim()).filter(Boolean)) {
    if (word === "component") component = true;
    else if (word === "authorizers") all = true;
    else if (word === "all") [component, all, hub] = [true, true, true];
    else if (word === "hub") hub = true;
    else if (word === "read-only") readOnly = true;
    else if (word.startsWith("authorizer:")) listed.push(word.slice("authorizer:".length));
    else return { ok: false, message: `unknown scope "${word}"` };
  }
  if (all && listed.length > 0) return { ok: false, message: "give either authorizers (all of them) or authorizer:<appid>, not both" };
  const parsed = apiKeyScopeSchema.safeParse({ component, authorizers: all ? "all" : listed, readOnly, hub });
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map((issue) => issue.message).join("; ") };
  return { ok: true, scope: parsed.data };
}

/** The scope in its text form, e.g. ["component", "authorizer:wx1", "hub", "read-only"]. */
export function describeScope(scope: ApiKeyScope): string[] {
  return [
    ...(scope.component ? ["component"] : []),
    ...(scope.authorizers === "all" ? ["authorizers"] : scope.authorizers.map((appid) => `authorizer:${appid}`)),
    ...(scope.hub ? ["hub"] : []),
    ...(scope.readOnly ? ["read-only"] : []),
  ];
}

/** describeScope in one line, a long list of authorizers shortened ("..., and 40 more"). */
export function summarizeScope(scope: ApiKeyScope, { max = 8 }: { max?: number } = {}): string {
  const words = describeScope(scope);
  if (words.length <= max) return words.join(", ");
  return `${words.slice(0, max).join(", ")}, and ${words.length - max} more`;
}

/** The api_keys columns holding a scope. */
export type ScopeColumns = {
  componentScope: boolean;
  allAuthorizers: boolean;
  authorizerAppids: string[];
  readOnly: boolean;
  hubScope: boolean;
};

export const scopeColumns = (scope: ApiKeyScope): ScopeColumns => ({
  componentScope: scope.component,
  allAuthorizers: scope.authorizers === "all",
  authorizerAppids: scope.authorizers === "all" ? [] : scope.authorizers,
  readOnly: scope.readOnly,
  hubScope: scope.hub,
});

export const scopeFromColumns = (row: ScopeColumns): ApiKeyScope => ({
  component: row.componentScope,
  authorizers: row.allAuthorizers ? "all" : row.authorizerAppids,
  readOnly: row.readOnly,
  hub: row.hubScope,
});

/** Whether the scope covers this authorizer. */
export const seesAuthorizer = (scope: ApiKeyScope, appid: string) => scope.authorizers === "all" || scope.authorizers.includes(appid);

/**
 * What a request asks for. The hub: `appid` when it reads one authorizer's record; `everyAuthorizer`
 * for webhook endpoints, which receive every authorizer's events.
 */
export type TokenCentreAccess =
  | { target: "component"; write?: false }
  | { target: "authorizer"; appid: string; write: boolean }
  | { target: "hub"; write: boolean; appid?: string; everyAuthorizer?: boolean };

/** null when the scope allows `access`, else the scope word it would need (for the message and the audit log). */
export function missingScope(scope: ApiKeyScope, access: TokenCentreAccess): string | null {
  if (access.target === "component") return scope.component ? null : "component";
  if (access.target === "hub" && !scope.hub) return "hub";
  if (access.appid !== undefined && !seesAuthorizer(scope, access.appid)) return `authorizer:${access.appid}`;
  if (access.target === "hub" && access.everyAuthorizer && scope.authorizers !== "all") return "authorizers (all of them)";
  if (access.write && scope.readOnly) return "write (the key is read-only)";
  return null;
}
