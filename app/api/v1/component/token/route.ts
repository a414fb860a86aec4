// GET /api/v1/component/token — the provider's own services (API key): the component_access_token.
import { serveComponentToken } from "@/lib/token-centre/reads";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return serveComponentToken(request);
}
