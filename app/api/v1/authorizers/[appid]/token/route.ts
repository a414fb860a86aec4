// GET /api/v1/authorizers/{appid}/token — the provider's own services (API key): an authorizer's access token.
import { handleAuthorizerTokenRequest } from "@/lib/token-centre/handlers";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  return handleAuthorizerTokenRequest(request, await params);
}
