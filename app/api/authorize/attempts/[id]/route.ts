// GET /api/authorize/attempts/{id} — the merchant's authorization pages poll this (every ~2 s) for the
// attempt's status, current links and, once completed, the account and the permission sets granted.
// Public: the 128-bit attempt id is the credential.
import { readPublicAttempt } from "@/lib/merchant/attempts";
import { attemptError, attemptJson, readAttemptId } from "@/lib/merchant/http";
import { guardDatabase } from "@/lib/http";

export const dynamic = "force-dynamic";

export const GET = guardDatabase(async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const id = readAttemptId((await params).id);
  const attempt = id ? await readPublicAttempt(id) : null;
  if (!attempt) return attemptError("not_found");
  return attemptJson(attempt);
});
