// POST /api/wechat/component/events — WeChat's 授权事件接收URL: encrypted component pushes
// (component_verify_ticket every 10 minutes, authorized / updateauthorized / unauthorized, ...).
import { after } from "next/server";
import { processStoredPush, MAX_PUSH_BYTES, receiveComponentPush } from "@/lib/authorization/pushes";
import { BodyTooLargeError, readBodyCapped, textResponse } from "@/lib/http";
import { logger } from "@/lib/logger";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  let body: string;
  try {
    body = await readBodyCapped(request, MAX_PUSH_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    logger.warn({ limit: MAX_PUSH_BYTES }, "push refused: body too large");
    return textResponse(error.message, 413);
  }
  try {
    const result = await receiveComponentPush({ query: new URL(request.url).searchParams, body });
    if (!result.ok) {
      logger.warn({ status: result.status, reason: result.reason }, "push refused");
      return textResponse(result.reason, result.status);
    }
    logger.info({ pushId: result.pushId, infoType: result.infoType, duplicate: result.duplicate }, "push stored");
    if (!result.processed) after(() => processStoredPush(result.pushId).then(() => undefined));
    return textResponse("success");
  } catch (error) {
    // Not stored, so not acknowledged: WeChat retries, and nothing is lost.
    logger.error({ err: error }, "push could not be stored");
    return textResponse("temporarily unavailable", 503);
  }
}
