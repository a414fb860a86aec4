// GET /api/v1/openapi.json must describe the real routes: every documented path has a route file
// exporting the method, every route file is documented, and each operation, driven into every
// status it documents, answers exactly that status with a body valid against the documented schema.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { GET as getOpenApiRoute } from "@/app/api/v1/openapi.json/route";
import { installDatabase, openDatabase, type Database } from "@/lib/db";
import { createAttempt } from "@/lib/authorization/attempts";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { DEMO_COMPONENT } from "@/lib/wechat/demo-component";
import { DEFAULT_QUOTAS } from "@/sandbox/config";
import { createTestDatabase, databaseKind, type TestDatabase } from "../../helpers/database";
import { sandboxControl, startTestSandbox, type TestSandbox } from "../../helpers/sandbox";
import { discardPendingIssuance } from "@/lib/token-centre/issuance";
import { stopTokenCentreMemory } from "@/lib/token-centre/memory";
import { afterHeard } from "./heard";
import { pickAccounts, seedApiKey, seedAuthorizer, seedVerifyTicket } from "./seed";

type JsonSchema = Record<string, unknown>;
type Operation = {
  operationId: string;
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
};
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};
type RouteModule = Record<string, (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response> | Response>;

const V1_DIR = join(process.cwd(), "app", "api", "v1");
const BASE = "http://portal.test/api/v1";
const NOWHERE = "http://127.0.0.1:9/events";

/** app/api/v1/authorizers/[appid]/token/route.ts -> /authorizers/{appid}/token */
function listRouteFiles(dir = V1_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listRouteFiles(path);
    return name === "route.ts" ? [path] : [];
  });
}
const toDocumentedPath = (file: string) => `/${relative(V1_DIR, file).split(sep).slice(0, -1).join("/")}`.replace(/\[([^\]]+)\]/g, "{$1}");
const toRouteFile = (path: string) =>
  join(
    V1_DIR,
    ...path
      .replace(/\{([^}]+)\}/g, "[$1]")
      .split("/")
      .filter(Boolean),
    "route.ts",
  );

/** The route module for a documented path, imported the way Next.js would load it. */
const loadRoute = async (path: string) => (await import(/* @vite-ignore */ toRouteFile(path))) as RouteModule;

function resolveRefs(schema: JsonSchema, doc: Document): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const id = ref.replace("#/components/schemas/", "");
  const target = doc.components.schemas[id];
  if (!target) throw new Error(`dangling $ref ${ref}`);
  // Nested $refs (a list of Authorizer) become $defs, which z.fromJSONSchema resolves.
  const toDefs = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/')) as JsonSchema;
  return { ...toDefs(target), $defs: toDefs(doc.components.schemas) };
}

type Scenario = {
  status: number;
  /** Why this status: what the scenario breaks. */
  name: string;
  appid?: "main" | "revoked" | "reauth" | "unknown" | "invalid";
  /** key: every scope; narrow: one other authorizer only, no hub; readOnly: every token read, no write, no hub. */
  headers?: "key" | "none" | "narrow" | "readOnly";
  body?: string;
  /** The {id} path parameter (a link's or an endpoint's), read when the scenario runs. */
  id?: () => string;
  query?: string;
  /** down: the database does not answer (503); broken: it answers with an error that is not an outage (500). */
  database?: "down" | "broken";
  prepare?: () => Promise<unknown>;
};

describe(`OpenAPI document matches the routes (${databaseKind} + sandbox over HTTP)`, () => {
  let t: TestDatabase;
  let sandbox: TestSandbox;
  let key: string;
  let narrowKey: string;
  let readOnlyKey: string;
  let doc: Document;
  const appids: Record<NonNullable<Scenario["appid"]>, string> = {
    main: "",
    revoked: "",
    reauth: "",
    unknown: "wx0000000000000000",
    invalid: "not an appid!",
  };
  const changedQuotas = new Set<string>();
  let down: Database;
  let broken: Database;
  const ids = { link: "", endpoint: "", doomed: "" };
  const MISSING_ENDPOINT = "00000000-0000-4000-8000-000000000000";
  const ENDPOINT_BODY = JSON.stringify({ url: NOWHERE, events: ["authorizer.authorized"] });
  /** The outage scenarios every hub operation documents (any operation can meet them). */
  const outages = (base: Omit<Scenario, "status" | "name">): Scenario[] => [
    { ...base, status: 500, name: "a database error that is not an outage", database: "broken" },
    { ...base, status: 503, name: "the database does not answer", database: "down" },
  ];

  const setQuota = async (endpoint: string, limit: number) => {
    changedQuotas.add(endpoint);
    await sandboxControl(sandbox, "quotas", { endpoint, limit });
  };
  const clearComponentToken = () =>
    afterHeard(t.database, { kind: "component", appid: DEMO_COMPONENT.appid }, () =>
      t.database.prisma.component.update({
        where: { appid: DEMO_COMPONENT.appid },
        data: { accessTokenEnc: null, accessTokenKeyId: null, accessTokenExpiresAt: null, accessTokenRefreshAt: null },
      }),
    );
  const clearTicket = async () => {
    await clearComponentToken();
    await t.database.prisma.component.update({
      where: { appid: DEMO_COMPONENT.appid },
      data: { verifyTicketEnc: null, verifyTicketKeyId: null, verifyTicketCreateTime: null },
    });
  };
  const clearAuthorizerCache = () =>
    afterHeard(t.database, { kind: "authorizer", appid: appids.main }, () =>
      t.database.prisma.authorizerCredential.update({
        where: { authorizerAppid: appids.main },
        data: {
          accessTokenEnc: null,
          accessTokenExpiresAt: null,
          accessTokenRefreshAt: null,
          jsapiTicketEnc: null,
          jsapiTicketExpiresAt: null,
          jsapiTicketRefreshAt: null,
        },
      }),
    );
  /** Puts back what a scenario broke: quotas, the ticket, the component token, the main authorizer's tokens. */
  const restore = async () => {
    installDatabase(t.database);
    for (const endpoint of changedQuotas) await sandboxControl(sandbox, "quotas", { endpoint, limit: DEFAULT_QUOTAS[endpoint]! });
    changedQuotas.clear();
    await clearComponentToken();
    await seedVerifyTicket(sandbox);
    await clearAuthorizerCache();
    await seedAuthorizer(sandbox, { appid: appids.main });
  };
  const inAnHour = () => new Date(Date.now() + 3_600_000);
  /** Ciphertext that no key opens: the portal must answer 500 with a reference, not the vault's error. */
  const CORRUPT = "v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA";

  const SCENARIOS: Record<string, Scenario[]> = {
    getComponentToken: [
      { status: 200, name: "a valid key" },
      { status: 401, name: "no key", headers: "none" },
      { status: 403, name: "a key without the component scope", headers: "narrow" },
      {
        status: 502,
        name: "WeChat refuses (quota)",
        prepare: async () => (await clearComponentToken(), await setQuota("api_component_token", 0)),
      },
      { status: 503, name: "no ticket yet", prepare: clearTicket },
      {
        status: 500,
        name: "a stored token that does not decrypt",
        prepare: () =>
          afterHeard(t.database, { kind: "component", appid: DEMO_COMPONENT.appid }, () =>
            t.database.prisma.component.update({
              where: { appid: DEMO_COMPONENT.appid },
              data: {
                accessTokenEnc: CORRUPT,
                accessTokenKeyId: "test1",
                accessTokenExpiresAt: inAnHour(),
                accessTokenRefreshAt: inAnHour(),
              },
            }),
          ),
      },
    ],
    getAuthorizerToken: [
      { status: 200, name: "a valid key and authorizer", appid: "main" },
      { status: 400, name: "not an appid", appid: "invalid" },
      { status: 401, name: "no key", appid: "main", headers: "none" },
      { status: 403, name: "a key for another authorizer", appid: "main", headers: "narrow" },
      { status: 404, name: "never authorized", appid: "unknown" },
      { status: 409, name: "must authorize again", appid: "reauth" },
      { status: 410, name: "revoked", appid: "revoked" },
      {
        status: 502,
        name: "WeChat refuses the refresh",
        appid: "main",
        prepare: async () => (await clearAuthorizerCache(), await setQuota("api_authorizer_token", 0)),
      },
      {
        status: 503,
        name: "refresh needs a ticket",
        appid: "main",
        prepare: async () => (await clearAuthorizerCache(), await clearTicket()),
      },
      {
        status: 500,
        name: "a stored token that does not decrypt",
        appid: "main",
        prepare: () =>
          afterHeard(t.database, { kind: "authorizer", appid: appids.main }, () =>
            t.database.prisma.authorizerCredential.update({
              where: { authorizerAppid: appids.main },
              data: {
                accessTokenEnc: CORRUPT,
                accessTokenKeyId: "test1",
                accessTokenExpiresAt: inAnHour(),
                accessTokenRefreshAt: inAnHour(),
              },
            }),
          ),
      },
    ],
    createJssdkSignature: [
      { status: 200, name: "a page URL", appid: "main", body: JSON.stringify({ url: "https://shop.example.com/a#b" }) },
      { status: 400, name: "not an http(s) URL", appid: "main", body: JSON.stringify({ url: "ftp://x" }) },
      { status: 401, name: "no key", appid: "main", headers: "none", body: "{}" },
      {
        status: 403,
        name: "a key for another authorizer",
        appid: "main",
        headers: "narrow",
        body: JSON.stringify({ url: "https://a.example/" }),
      },
      { status: 404, name: "never authorized", appid: "unknown", body: JSON.stringify({ url: "https://a.example/" }) },
      { status: 409, name: "must authorize again", appid: "reauth", body: JSON.stringify({ url: "https://a.example/" }) },
      { status: 410, name: "revoked", appid: "revoked", body: JSON.stringify({ url: "https://a.example/" }) },
      { status: 413, name: "a huge body", appid: "main", body: JSON.stringify({ url: `https://a.example/?${"q".repeat(20_000)}` }) },
      {
        status: 502,
        name: "WeChat refuses getticket",
        appid: "main",
        body: JSON.stringify({ url: "https://a.example/" }),
        prepare: async () => (await clearAuthorizerCache(), await setQuota("getticket", 0)),
      },
      {
        status: 503,
        name: "everything must be fetched and there is no ticket",
        appid: "main",
        body: JSON.stringify({ url: "https://a.example/" }),
        prepare: async () => (await clearAuthorizerCache(), await clearTicket()),
      },
      {
        status: 500,
        name: "a cached jsapi_ticket that does not decrypt",
        appid: "main",
        body: JSON.stringify({ url: "https://a.example/" }),
        prepare: () =>
          t.database.prisma.authorizerCredential.update({
            where: { authorizerAppid: appids.main },
            data: {
              jsapiTicketEnc: CORRUPT,
              jsapiTicketKeyId: "test1",
              jsapiTicketExpiresAt: inAnHour(),
              jsapiTicketRefreshAt: inAnHour(),
            },
          }),
      },
    ],
    refreshAuthorizerToken: [
      { status: 200, name: "a token already replaced", appid: "main", body: JSON.stringify({ rejected_token: "an older token" }) },
      { status: 400, name: "no rejected_token", appid: "main", body: "{}" },
      { status: 401, name: "no key", appid: "main", headers: "none", body: "{}" },
      { status: 403, name: "a read-only key", appid: "main", headers: "readOnly", body: JSON.stringify({ rejected_token: "x" }) },
      { status: 404, name: "never authorized", appid: "unknown", body: JSON.stringify({ rejected_token: "x" }) },
      { status: 409, name: "must authorize again", appid: "reauth", body: JSON.stringify({ rejected_token: "x" }) },
      { status: 410, name: "revoked", appid: "revoked", body: JSON.stringify({ rejected_token: "x" }) },
      { status: 413, name: "a huge body", appid: "main", body: JSON.stringify({ rejected_token: "x".repeat(20_000) }) },
      {
        status: 502,
        name: "WeChat refuses the refresh",
        appid: "main",
        body: JSON.stringify({ rejected_token: "x" }),
        prepare: async () => (await clearAuthorizerCache(), await setQuota("api_authorizer_token", 0)),
      },
      {
        status: 503,
        name: "refresh needs a ticket",
        appid: "main",
        body: JSON.stringify({ rejected_token: "x" }),
        prepare: async () => (await clearAuthorizerCache(), await clearTicket()),
      },
      {
        status: 500,
        name: "a stored token that does not decrypt",
        appid: "main",
        body: JSON.stringify({ rejected_token: "x" }),
        prepare: () =>
          afterHeard(t.database, { kind: "authorizer", appid: appids.main }, () =>
            t.database.prisma.authorizerCredential.update({
              where: { authorizerAppid: appids.main },
              data: {
                accessTokenEnc: CORRUPT,
                accessTokenKeyId: "test1",
                accessTokenExpiresAt: inAnHour(),
                accessTokenRefreshAt: inAnHour(),
              },
            }),
          ),
      },
    ],
    getOpenApiDocument: [{ status: 200, name: "anyone", headers: "none" }],
    createAuthorizationLink: [
      { status: 201, name: "a link for a merchant", body: JSON.stringify({ merchant_ref: "shop-1", auth_type: 3 }) },
      { status: 400, name: "no merchant_ref", body: JSON.stringify({ auth_type: 3 }) },
      { status: 401, name: "no key", headers: "none", body: "{}" },
      { status: 403, name: "a key without the hub", headers: "narrow", body: JSON.stringify({ merchant_ref: "m", auth_type: 1 }) },
      { status: 413, name: "a huge body", body: JSON.stringify({ merchant_ref: "m".repeat(20_000), auth_type: 1 }) },
      ...outages({ body: JSON.stringify({ merchant_ref: "m", auth_type: 1 }) }),
    ],
    getAuthorizationLink: [
      { status: 200, name: "a link", id: () => ids.link },
      { status: 401, name: "no key", headers: "none", id: () => ids.link },
      { status: 403, name: "a key without the hub", headers: "narrow", id: () => ids.link },
      { status: 404, name: "no such link", id: () => "nope" },
      ...outages({ id: () => ids.link }),
    ],
    listAuthorizers: [
      { status: 200, name: "a page", query: "limit=2" },
      { status: 400, name: "limit out of range", query: "limit=0" },
      { status: 401, name: "no key", headers: "none" },
      { status: 403, name: "a key without the hub", headers: "narrow" },
      ...outages({}),
    ],
    getAuthorizer: [
      { status: 200, name: "an authorizer", appid: "main" },
      { status: 400, name: "not an appid", appid: "invalid" },
      { status: 401, name: "no key", headers: "none", appid: "main" },
      { status: 403, name: "a key without the hub", headers: "narrow", appid: "main" },
      { status: 404, name: "never authorized", appid: "unknown" },
      ...outages({ appid: "main" }),
    ],
    listWebhookEndpoints: [
      { status: 200, name: "the endpoints" },
      { status: 401, name: "no key", headers: "none" },
      { status: 403, name: "a key without the hub", headers: "narrow" },
      ...outages({}),
    ],
    createWebhookEndpoint: [
      { status: 201, name: "an endpoint", body: ENDPOINT_BODY },
      { status: 400, name: "no events", body: JSON.stringify({ url: NOWHERE, events: [] }) },
      { status: 401, name: "no key", headers: "none", body: ENDPOINT_BODY },
      { status: 403, name: "a key without the hub", headers: "narrow", body: ENDPOINT_BODY },
      { status: 413, name: "a huge body", body: JSON.stringify({ url: NOWHERE, events: [], description: "d".repeat(20_000) }) },
      ...outages({ body: ENDPOINT_BODY }),
    ],
    getWebhookEndpoint: [
      { status: 200, name: "an endpoint", id: () => ids.endpoint },
      { status: 400, name: "not a uuid", id: () => "not-a-uuid" },
      { status: 401, name: "no key", headers: "none", id: () => ids.endpoint },
      { status: 403, name: "a key without the hub", headers: "narrow", id: () => ids.endpoint },
      { status: 404, name: "no such endpoint", id: () => MISSING_ENDPOINT },
      ...outages({ id: () => ids.endpoint }),
    ],
    deleteWebhookEndpoint: [
      {
        status: 200,
        name: "an endpoint",
        id: () => ids.doomed,
        prepare: async () => (ids.doomed = (await createEndpoint({ url: NOWHERE, events: ["authorizer.revoked"] })).id),
      },
      { status: 400, name: "not a uuid", id: () => "not-a-uuid" },
      { status: 401, name: "no key", headers: "none", id: () => ids.endpoint },
      { status: 403, name: "a key without the hub", headers: "narrow", id: () => ids.endpoint },
      { status: 404, name: "already deleted", id: () => ids.doomed },
      ...outages({ id: () => ids.endpoint }),
    ],
    testWebhookEndpoint: [
      { status: 200, name: "an endpoint that cannot be reached still gets an answer", id: () => ids.endpoint },
      { status: 400, name: "not a uuid", id: () => "not-a-uuid" },
      { status: 401, name: "no key", headers: "none", id: () => ids.endpoint },
      { status: 403, name: "a key without the hub", headers: "narrow", id: () => ids.endpoint },
      { status: 404, name: "no such endpoint", id: () => MISSING_ENDPOINT },
      ...outages({ id: () => ids.endpoint }),
    ],
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ eventUrl: NOWHERE, pushRetries: 0 });
    await seedVerifyTicket(sandbox);
    const [main, revoked, reauth] = await pickAccounts(sandbox, "official_account");
    appids.main = main!.appid;
    appids.revoked = revoked!.appid;
    appids.reauth = reauth!.appid;
    for (const appid of [appids.main, appids.revoked, appids.reauth]) await seedAuthorizer(sandbox, { appid });
    await t.database.prisma.authorizer.update({ where: { appid: appids.revoked }, data: { status: "revoked", revokedAt: new Date() } });
    await t.database.prisma.authorizer.update({ where: { appid: appids.reauth }, data: { status: "needs_reauthorization" } });
    key = await seedApiKey();
    narrowKey = await seedApiKey("one other authorizer", { component: false, authorizers: ["wx0000000000000001"], readOnly: true });
    readOnlyKey = await seedApiKey("reader", { component: true, authorizers: "all", readOnly: true });
    ids.link = (await createAttempt({ authType: 3, merchantRef: "shop-0" }, { link: true, mint: false })).id;
    ids.endpoint = (await createEndpoint({ url: NOWHERE, events: ["authorizer.authorized"] })).id;
    down = openDatabase({ url: "postgresql://postgres@127.0.0.1:9/nowhere", connectTimeoutMs: 500 });
    broken = openDatabase({ url: t.url.replace(/\/[^/?]+(\?|$)/, "/no_such_database_here$1"), connectTimeoutMs: 5000 });
    doc = (await getOpenApiRoute().json()) as Document;
  });
  beforeEach(() => installDatabase(t.database));
  afterAll(async () => {
    discardPendingIssuance();
    for (const database of [down, broken, t.database]) await stopTokenCentreMemory(database);
    await down.close();
    await broken.close();
    await sandbox.close();
    await t.drop();
  });

  it("is OpenAPI 3.1 served from /api/v1, with every $ref resolvable", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]!.url).toMatch(/\/api\/v1$/);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(() => resolveRefs({ $ref: ref }, doc)).not.toThrow();
  });

  it("documents every route file under app/api/v1 and every method it exports", async () => {
    const files = listRouteFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const path = toDocumentedPath(file);
      expect(doc.paths, `${path} is served but not documented`).toHaveProperty([path]);
      const exported = Object.keys(await loadRoute(path)).filter((name) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(name));
      expect(exported.map((method) => method.toLowerCase()).sort()).toEqual(Object.keys(doc.paths[path]!).sort());
    }
  });

  it("has a route file exporting each documented method", async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      expect(existsSync(toRouteFile(path)), `${path} is documented but has no route file`).toBe(true);
      const route = await loadRoute(path);
      for (const method of Object.keys(operations)) expect(typeof route[method.toUpperCase()], `${method} ${path}`).toBe("function");
    }
  });

  it("answers every documented status of every operation, with the documented body", async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.map((entry) => entry.operation.operationId).sort()).toEqual(Object.keys(SCENARIOS).sort());

    for (const { path, method, operation } of operations) {
      const scenarios = SCENARIOS[operation.operationId]!;
      // Every documented status is driven at least once, and nothing undocumented is tested for.
      expect([...new Set(scenarios.map((scenario) => String(scenario.status)))].sort(), operation.operationId).toEqual(
        Object.keys(operation.responses).sort(),
      );
      const route = await loadRoute(path);
      for (const scenario of scenarios) {
        const label = `${method.toUpperCase()} ${path}: ${scenario.name}`;
        await scenario.prepare?.();
        if (scenario.database) installDatabase(scenario.database === "down" ? down : broken);
        const appid = scenario.appid ? appids[scenario.appid] : undefined;
        const id = scenario.id?.();
        const url = `${BASE}${path.replace("{appid}", encodeURIComponent(appid ?? "")).replace("{id}", encodeURIComponent(id ?? ""))}${scenario.query ? `?${scenario.query}` : ""}`;
        const presented = { key, narrow: narrowKey, readOnly: readOnlyKey, none: undefined }[scenario.headers ?? "key"];
        const headers: Record<string, string> = presented === undefined ? {} : { authorization: `Bearer ${presented}` };
        if (scenario.body !== undefined) headers["content-type"] = "application/json";
        const request = new Request(url, {
          method: method.toUpperCase(),
          headers,
          ...(scenario.body !== undefined ? { body: scenario.body } : {}),
        });
        const response = await route[method.toUpperCase()]!(request, {
          params: Promise.resolve<Record<string, string>>({
            ...(appid === undefined ? {} : { appid }),
            ...(id === undefined ? {} : { id }),
          }),
        });

        expect(response.status, label).toBe(scenario.status);
        const documented = operation.responses[String(response.status)]!;
        const schema = documented.content?.["application/json"]?.schema;
        expect(schema, label).toBeDefined();
        expect(response.headers.get("content-type"), label).toMatch(/^application\/json/);
        const body = (await response.json()) as Record<string, unknown>;
        const parsed = z.fromJSONSchema(resolveRefs(schema!, doc) as never).safeParse(body);
        expect(parsed.success, `${label}: ${JSON.stringify(body).slice(0, 300)} ${parsed.error?.message ?? ""}`).toBe(true);
        // An error's code must be one the documentation lists for that status.
        if (response.status >= 400) expect(documented.description, label).toContain(`\`${String(body.error)}\``);
        if (response.status === 500) expect(String(body.message), label).not.toMatch(/decrypt|vault|key id|stack/i);
        if (scenario.headers === "none" && operation.security === undefined) expect(response.status).toBe(401);
        await restore();
      }
    }
  });
});
