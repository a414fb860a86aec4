// GET /api/v1/authorizers/{appid}/token — the provider's own services (API key): an authorizer's access token.
import { serveAuthorizerToken } from "@/lib/token-centre/reads";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  return serveAuthorizerToken(request, (await params).appid);
}
