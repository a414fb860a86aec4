// GET /api/v1/authorization-links/{id} — the provider's services (API key, hub scope): a link's status and its authorizer.
import { handleGetLinkRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleGetLinkRequest(request, await params);
}
