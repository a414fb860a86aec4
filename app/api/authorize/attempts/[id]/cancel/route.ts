// POST /api/authorize/attempts/{id}/cancel — the merchant's PC authorization page, when the merchant
// gives up (the cancel button): the attempt stops offering its links and the page offers a retry.
import { cancelMerchantAttempt } from "@/lib/merchant/attempts";
import { attemptError, cancelResponse, readAttemptId } from "@/lib/merchant/http";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const POST = guardDatabase(async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = readAttemptId((await params).id);
  if (!id) return attemptError("not_found");
  return cancelResponse(await cancelMerchantAttempt(id));
});
