import type { AuthorizerStatus } from "../generated/prisma/enums";

export const AUTHORIZER_STATUSES = [
  "authorized",
  "updated",
  "revoked",
  "needs_reauthorization",
] as const satisfies readonly AuthorizerStatus[];

/** Badge colour per status: revoked and needs_reauthorization both need the merchant. */
export const STATUS_TONE: Record<AuthorizerStatus, "ok" | "warn" | "bad"> = {
  authorized: "ok",
  updated: "ok",
  revoked: "bad",
  needs_reauthorization: "warn",
};
