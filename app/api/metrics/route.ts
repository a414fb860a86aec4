// GET /api/metrics — Prometheus' text format for scrapers holding METRICS_TOKEN (lib/metrics.ts says
// what is measured, lib/metrics-scrape.ts who may read it).
import { answerScrape } from "@/lib/metrics-scrape";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return answerScrape(request.headers.get("authorization"));
}
