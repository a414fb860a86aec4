// POST /api/v1/webhook-endpoints/{id}/test — the provider's services (API key, hub scope): send a webhook.test event now.
import { handleTestEndpointRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleTestEndpointRequest(request, await params);
}
