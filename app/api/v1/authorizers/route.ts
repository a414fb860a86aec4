// GET /api/v1/authorizers — the provider's services (API key, hub scope): authorizers by merchant_ref and status, paged.
import { handleListAuthorizersRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleListAuthorizersRequest(request);
}
