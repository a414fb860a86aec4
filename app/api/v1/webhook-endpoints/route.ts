// GET, POST /api/v1/webhook-endpoints — the provider's services (API key, hub scope): list or create webhook endpoints.
import { handleCreateEndpointRequest, handleListEndpointsRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleListEndpointsRequest(request);
}

export function POST(request: Request) {
  return handleCreateEndpointRequest(request);
}
