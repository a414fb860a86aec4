// GET /api/v1/component/token — the provider's own services (API key): the component_access_token.
import { handleComponentTokenRequest } from "@/lib/token-centre/handlers";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleComponentTokenRequest(request);
}
