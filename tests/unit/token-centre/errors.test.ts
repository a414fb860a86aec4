// lib/token-centre/errors.ts: the one mapping from errors to HTTP answers, and what it never reveals.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ERROR_STATUS, ApiError, toErrorResponse } from "@/lib/token-centre/errors";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { CredentialError, noTicketError } from "@/lib/credentials/errors";
import { WeChatApiError, WeChatTransportError } from "@/lib/wechat/errors";

async function answer(error: unknown) {
  const response = toErrorResponse(error);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe("toErrorResponse", () => {
  it("answers an ApiError as it is, with its issues and headers", async () => {
    const { status, body, headers } = await answer(
      new ApiError({
        code: "invalid_request",
        message: "The body is not valid.",
        issues: [{ path: "url", message: "bad" }],
        headers: { "x-extra": "1" },
      }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({ error: "invalid_request", message: "The body is not valid.", issues: [{ path: "url", message: "bad" }] });
    expect(headers.get("x-extra")).toBe("1");
    expect(headers.get("cache-control")).toBe("no-store");
  });

  it.each([
    ["unknown_authorizer", 404],
    ["needs_reauthorization", 409],
    ["authorizer_revoked", 410],
    ["no_ticket", 503],
  ] as const)("maps CredentialError %s to %i with its message", async (code, expected) => {
    const { status, body } = await answer(new CredentialError(code, `what to do about ${code}`));
    expect(status).toBe(expected);
    expect(body).toEqual({ error: code, message: `what to do about ${code}` });
  });

  it("asks to retry after a minute when there is no ticket", async () => {
    const { headers, body } = await answer(noTicketError());
    expect(headers.get("retry-after")).toBe("60");
    expect(body.message).toMatch(/component_verify_ticket/);
  });

  it("maps WeChat's errors to 502 with errcode and class, without errmsg or rid", async () => {
    const { status, body } = await answer(
      new WeChatApiError({
        errcode: 61007,
        errmsg: "api is unauthorized to component rid: 6412-abc",
        endpoint: "/cgi-bin/ticket/getticket",
      }),
    );
    expect(status).toBe(502);
    expect(body).toEqual({
      error: "wechat_error",
      errcode: 61007,
      class: "re-authorize",
      message: expect.stringContaining("permission set"),
    });
    expect(JSON.stringify(body)).not.toContain("rid");
  });

  it("maps transport failures to 502 wechat_unavailable", async () => {
    const { status, body } = await answer(
      new WeChatTransportError({
        kind: "timeout",
        endpoint: "/cgi-bin/component/api_component_token",
        message: "no answer within 10000 ms",
      }),
    );
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: "wechat_unavailable", class: "retry", message: expect.stringMatching(/timeout.*retry/) });
  });

  it("answers 503 unavailable with Retry-After when the database cannot be reached in time", async () => {
    const { status, body, headers } = await answer(new DatabaseUnavailableError(new Error("timeout exceeded when trying to connect")));
    expect(status).toBe(503);
    expect(body).toEqual({ error: "unavailable", message: expect.stringMatching(/retry/) });
    expect(headers.get("retry-after")).toBe("5");
    // Prisma wraps the pool's error: recognised through the cause chain.
    const wrapped = new Error("Error in connector", { cause: new Error("timeout exceeded when trying to connect") });
    expect((await answer(wrapped)).status).toBe(503);
  });

  it("hides anything else behind a 500 with a reference, a stray ZodError included", async () => {
    const leaky = new Error('relation "authorizer_credentials" does not exist; token=abc123secret');
    const { status, body } = await answer(leaky);
    expect(status).toBe(500);
    expect(body.error).toBe("internal_error");
    expect(body.message).toMatch(/operators: [0-9a-f]{12}\.$/);
    expect(JSON.stringify(body)).not.toMatch(/relation|secret|token=/);

    const zodError = z.object({ a: z.string() }).safeParse({}).error;
    expect((await answer(zodError)).status).toBe(500);
  });

  it("has a status for every code, all of them 4xx or 5xx", () => {
    for (const status of Object.values(API_ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });
});
