// POST /api/v1/authorization-links — the provider's services (API key, hub scope): a link for one of its merchants.
import { handleCreateLinkRequest } from "@/lib/token-centre/hub-handlers";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleCreateLinkRequest(request);
}
