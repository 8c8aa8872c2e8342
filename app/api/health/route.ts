// GET /api/health: can the web app serve, and which features wait on Temporal? 200 while the database
// answers (status `ready`, or `degraded` while Temporal is not up), 503 when it does not (`down`).
import { NextResponse } from 'next/server';
import { checkHealth } from '@/core/platform/health';

export const dynamic = 'force-dynamic';

export async function GET() {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.ok ? 200 : 503 });
}
