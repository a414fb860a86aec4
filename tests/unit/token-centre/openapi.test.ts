// The OpenAPI document's own consistency (the integration test checks it against the routes).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ERROR_STATUS } from "@/lib/token-centre/errors";
import { buildOpenApiDocument } from "@/lib/token-centre/openapi";

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
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "401", "500"]));
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
});
