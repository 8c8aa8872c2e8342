import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

describe('Standard Webhooks signatures', () => {
  // The test vector the Standard Webhooks reference libraries check against.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const ts = 1614265330;
  const body = '{"test": 2432232314}';

  it('signs the reference message as the spec’s libraries do', () => {
    expect(signWebhook(secret, id, ts, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(webhookHeaders(secret, id, ts, body)).toEqual({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  it('verifies one of several signatures, and refuses a changed body, another secret, an old timestamp or missing headers', () => {
    const sig = signWebhook(secret, id, ts, body);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature: `v1,bm9wZQ== ${sig}` }, body, ts + 10)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature: sig }, body + ' ', ts)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), { id, timestamp: String(ts), signature: sig }, body, ts)).toBe(false);
    expect(verifyWebhook(secret, { id, timestamp: String(ts), signature: sig }, body, ts + 301)).toBe(false);
    expect(verifyWebhook(secret, { id, timestamp: null, signature: sig }, body, ts)).toBe(false);
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const s = newWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(s);
  });
});
