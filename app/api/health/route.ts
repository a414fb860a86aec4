// GET /api/health — load balancers, uptime monitors and the console poll it. Public, no secrets.
import { NextResponse } from "next/server";
import { checkHealth, httpStatusOf } from "@/lib/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth();
  return NextResponse.json(report, { status: httpStatusOf(report), headers: { "cache-control": "no-store" } });
}
