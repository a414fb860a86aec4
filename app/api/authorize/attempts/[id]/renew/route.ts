// POST /api/authorize/attempts/{id}/renew — the merchant's PC page, when the merchant presses the
// button to WeChat's own PC authorization page: answers the attempt with links for a code that has
// time left. The server decides: a code with enough life left is kept (so this cannot be used to burn
// codes), a lapsed or ageing one is replaced, once however many ask at the same moment.
import { renewAttemptIfDue } from "@/lib/merchant/attempts";
import { attemptError, readAttemptId, renewResponse } from "@/lib/merchant/http";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const POST = guardDatabase(async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = readAttemptId((await params).id);
  if (!id) return attemptError("not_found");
  return renewResponse(await renewAttemptIfDue({ id }));
});
