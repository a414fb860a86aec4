// lib/upstream-errors.ts: the one classification of WeChat's and the credentials' failures that the
// token centre, the console and the merchant pages all answer from.
import { describe, expect, it } from "vitest";
import { CredentialError, noTicketError } from "@/lib/credentials/errors";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { classifyUpstreamFailure } from "@/lib/upstream-errors";
import { WeChatApiError, WeChatTransportError } from "@/lib/wechat/errors";

describe("classifyUpstreamFailure", () => {
  it("gives a credential error its own code", () => {
    const error = noTicketError();
    expect(classifyUpstreamFailure(error)).toEqual({ code: "no_ticket", error });
  });

  it("gives WeChat's refusal the errcode's class, and its silence the transport's", () => {
    const refused = new WeChatApiError({ errcode: 45009, errmsg: "reach max api daily quota limit rid: 1-2-3", endpoint: "/x" });
    expect(classifyUpstreamFailure(refused)).toEqual({ code: "wechat_error", error: refused, errorClass: "quota" });
    const silent = new WeChatTransportError({ kind: "http", status: 404, endpoint: "/x", message: "HTTP 404" });
    expect(classifyUpstreamFailure(silent)).toEqual({ code: "wechat_unavailable", error: silent, errorClass: "client" });
  });

  it("leaves anything else to the surface", () => {
    expect(classifyUpstreamFailure(new DatabaseUnavailableError(new Error("timeout")))).toBeNull();
    expect(classifyUpstreamFailure(new Error("CredentialError"))).toBeNull();
    expect(classifyUpstreamFailure("no_ticket")).toBeNull();
  });

  it("recognises a credential error thrown by another copy of the module (Next.js bundles per entry)", async () => {
    const copy = (await import(
      /* @vite-ignore */ `../../../lib/credentials/errors.ts?copy=${Date.now()}`
    )) as typeof import("@/lib/credentials/errors");
    const foreign = new copy.CredentialError("authorizer_revoked", "revoked");
    expect(copy.CredentialError).not.toBe(CredentialError);
    expect(foreign instanceof CredentialError).toBe(true);
    expect(classifyUpstreamFailure(foreign)).toMatchObject({ code: "authorizer_revoked" });
  });
});
