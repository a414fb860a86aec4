// Who may read /api/metrics: whoever presents `Authorization: Bearer <METRICS_TOKEN>`, compared in
// constant time. Unset METRICS_TOKEN: the endpoint does not exist (404), so nothing is exposed by
// default. The numbers are not secret, but the series name accounts' endpoints and errcodes.
import { createHash, timingSafeEqual } from "node:crypto";
import { getEnv } from "./env";
import { textResponse } from "./http";
import { logger } from "./logger";
import { renderMetrics } from "./metrics";

const digest = (value: string) => createHash("sha256").update(value).digest();
/** Equal-length digests, so neither the token's length nor its prefix leaks through timing. */
const sameToken = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

const refuse = (message: string) => {
  const response = textResponse(message, 401);
  response.headers.set("www-authenticate", 'Bearer realm="metrics"');
  return response;
};

/** The answer to GET /api/metrics given its Authorization header. */
export async function answerScrape(authorization: string | null, token = getEnv().metricsToken): Promise<Response> {
  if (!token) return textResponse("Metrics are off: set METRICS_TOKEN to serve /api/metrics (see .env.example).", 404);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return refuse("Send Authorization: Bearer <METRICS_TOKEN>.");
  if (!sameToken(match[1]!, token)) {
    logger.warn("metrics: a scrape with the wrong bearer token was refused");
    return refuse("Wrong metrics token.");
  }
  const { contentType, body } = await renderMetrics();
  return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
}
