// GET /api/v1/authorizers/{appid} — the provider's services (API key, hub scope): one authorizer's record.
import { handleGetAuthorizerRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  return handleGetAuthorizerRequest(request, await params);
}
