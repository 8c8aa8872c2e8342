// POST /api/stripe/webhook: Stripe's event deliveries. The signature is checked on the raw body before
// anything else; 200 once applied (or already applied), 400 for a forged or unknown-customer delivery.
import { NextResponse, type NextRequest } from 'next/server';
import { handleStripeWebhook } from '@/core/billing/handle-stripe-webhook';
import { errorResponse } from '@/app/lib/errors';
import { requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

export async function POST(req: NextRequest) {
  const meta = requestMeta(req.headers);
  try {
    // The bytes as sent: a parsed and re-serialised body would not match the signature.
    const raw = Buffer.from(await req.arrayBuffer());
    const result = await handleStripeWebhook(raw, req.headers.get('stripe-signature'));
    return NextResponse.json({ received: true, outcome: result.outcome }, { headers: { 'x-request-id': meta.requestId } });
  } catch (e) {
    return errorResponse(e, meta.requestId);
  }
}
