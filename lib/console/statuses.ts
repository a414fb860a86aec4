import type { AuthorizerStatus } from "../generated/prisma/enums";

export const AUTHORIZER_STATUSES = ["authorized", "updated", "revoked", "needs_reauthorization"] as const satisfies readonly AuthorizerStatus[];
