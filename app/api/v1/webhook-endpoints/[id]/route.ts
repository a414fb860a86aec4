// GET, DELETE /api/v1/webhook-endpoints/{id} — the provider's services (API key, hub scope): one endpoint, or delete it.
import { handleDeleteEndpointRequest, handleGetEndpointRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleGetEndpointRequest(request, await params);
}

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleDeleteEndpointRequest(request, await params);
}
