// GET /api/v1/openapi.json — anyone (API tooling, the provider's developers): the token centre's OpenAPI 3.1 document.
import { handleOpenApiRequest } from "@/lib/token-centre/handlers";

// Built per request: the server URL comes from PUBLIC_BASE_URL at run time, not at build time.
export const dynamic = "force-dynamic";

export function GET() {
  return handleOpenApiRequest();
}
