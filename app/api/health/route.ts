// GET /api/health: is the database and Temporal reachable? 200 when both are, else 503.
import { NextResponse } from 'next/server';
import { checkHealth } from '@/core/observability/health';

export const dynamic = 'force-dynamic';

export async function GET() {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.ok ? 200 : 503 });
}
