// The OpenAPI document's own consistency (the integration test checks it against the routes).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ERROR_STATUS } from "@/lib/token-centre/errors";
import { buildOpenApiDocument } from "@/lib/token-centre/openapi";
import { EVENT_TYPES } from "@/lib/webhooks/event-types";

const doc = buildOpenApiDocument({ serverUrl: "https://portal.example.com/api/v1" });
const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));

describe("the OpenAPI document", () => {
  it("requires an API key (Bearer or X-Api-Key) everywhere except on itself", () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    for (const operation of operations) {
      if (operation.operationId === "getOpenApiDocument") {
        expect(operation.security).toEqual([]);
        continue;
      }
      expect(operation.security).toBeUndefined();
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["401", "500"]));
      expect(
        Object.keys(operation.responses).filter((status) => /^2\d\d$/.test(status)),
        operation.operationId,
      ).toHaveLength(1);
    }
  });

  it("says which scope each operation needs, and documents the 403 a key outside it gets", () => {
    expect(doc.info.description).toMatch(/`read-only`/);
    for (const operation of operations) {
      if (operation.operationId === "getOpenApiDocument") continue;
      expect(operation.description, operation.operationId).toMatch(/Scope: /);
      expect(operation.responses["403"]?.description, operation.operationId).toContain("`forbidden`");
    }
    const refresh = doc.paths["/authorizers/{appid}/token/refresh"]?.post;
    expect(refresh?.description).toMatch(/not `read-only`/);
    for (const read of ["getComponentToken", "getAuthorizerToken", "createJssdkSignature"])
      expect(operations.find((operation) => operation.operationId === read)?.description).toMatch(/read-only keys may call it/);
  });

  it("documents every error code somewhere, under the status it is answered with", () => {
    for (const [code, status] of Object.entries(API_ERROR_STATUS)) {
      const documented = operations.some((operation) => operation.responses[String(status)]?.description.includes(`\`${code}\``));
      expect(documented, code).toBe(true);
    }
  });

  it("has unique operation ids and responses in status order", () => {
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) {
      const statuses = Object.keys(operation.responses).map(Number);
      expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    }
  });

  it("describes the request body so a JSON Schema validator refuses what the route refuses", () => {
    const request = z.fromJSONSchema(doc.components.schemas.JssdkSignatureRequest as never);
    expect(request.safeParse({ url: "https://a.example/p" }).success).toBe(true);
    expect(request.safeParse({}).success).toBe(false);
    expect(request.safeParse({ url: 42 }).success).toBe(false);
  });

  it("keeps answers open to new fields, so strict clients survive additions", () => {
    const token = z.fromJSONSchema(doc.components.schemas.ComponentToken as never);
    expect(
      token.safeParse({ component_appid: "wx1", component_access_token: "t", expires_at: "2026-01-01T00:00:00.000Z", later: 1 }).success,
    ).toBe(true);
  });

  it("documents the hub: its scope, and each webhook with its data and the Standard Webhooks headers", () => {
    expect(doc.info.description).toMatch(/`hub`/);
    for (const operation of operations.filter((op) => op.tags.includes("hub") || op.tags.includes("webhooks")))
      expect(operation.description, operation.operationId).toMatch(/Scope: `hub`/);
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const webhook = doc.webhooks[type]!.post;
      expect(doc.components.schemas, type).toHaveProperty([`WebhookData.${type}`]);
      expect(JSON.stringify(webhook.requestBody)).toContain(`#/components/schemas/WebhookData.${type}`);
      expect(webhook.parameters?.map((parameter) => parameter.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    }
    const body = z.fromJSONSchema(doc.components.schemas.WebhookBody as never);
    expect(
      body.safeParse({ type: "authorizer.revoked", timestamp: "2026-01-01T00:00:00.000Z", data: { component_appid: "wx1" } }).success,
    ).toBe(true);
    expect(
      body.safeParse({ type: "something.else", timestamp: "2026-01-01T00:00:00.000Z", data: { component_appid: "wx1" } }).success,
    ).toBe(false);
  });

  it("refuses, as the routes do, an endpoint request without events and a link request without merchant_ref", () => {
    const endpoint = z.fromJSONSchema(doc.components.schemas.CreateWebhookEndpointRequest as never);
    expect(endpoint.safeParse({ url: "https://saas.example.com/hooks", events: ["authorizer.authorized"] }).success).toBe(true);
    expect(endpoint.safeParse({ url: "https://saas.example.com/hooks", events: [] }).success).toBe(false);
    expect(endpoint.safeParse({ url: "https://saas.example.com/hooks", events: ["nope"] }).success).toBe(false);
    const link = z.fromJSONSchema(doc.components.schemas.CreateAuthorizationLinkRequest as never);
    expect(link.safeParse({ merchant_ref: "m1", auth_type: 3 }).success).toBe(true);
    expect(link.safeParse({ auth_type: 3 }).success).toBe(false);
  });
});
