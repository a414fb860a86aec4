// POST /api/authorize/attempts/{id}/renew — the merchant's authorization pages, shortly before the
// pre_auth_code lapses. The server decides: a code that is not due yet is kept (so this cannot be
// used to burn codes), a due one is replaced.
import { renewAttemptIfDue } from "@/lib/merchant/attempts";
import { attemptError, readAttemptId, renewResponse } from "@/lib/merchant/http";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const id = readAttemptId((await params).id);
  if (!id) return attemptError("not_found");
  return renewResponse(await renewAttemptIfDue({ id, purpose: "page" }));
}
