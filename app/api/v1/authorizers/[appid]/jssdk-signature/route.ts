// POST /api/v1/authorizers/{appid}/jssdk-signature — the provider's services (API key), for wx.config on the authorizer's pages.
import { handleJssdkSignatureRequest } from "@/lib/token-centre/handlers";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ appid: string }> }) {
  return handleJssdkSignatureRequest(request, await params);
}
