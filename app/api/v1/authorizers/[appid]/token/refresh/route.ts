// POST /api/v1/authorizers/{appid}/token/refresh — the provider's services (API key, not read-only): replace a token WeChat rejected.
import { handleAuthorizerTokenRefreshRequest } from "@/lib/token-centre/handlers";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  return handleAuthorizerTokenRefreshRequest(request, await params);
}
