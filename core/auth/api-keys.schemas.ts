import { z } from 'zod';
import { API_KEY_SCOPES } from '../tenancy/permissions';
import { idSchema, nameSchema } from '../validation';

export const createApiKeyInput = z.object({
  name: nameSchema('Key name', 80),
  scopes: z
    .array(z.enum(API_KEY_SCOPES, { message: `Scopes must be among ${API_KEY_SCOPES.join(', ')}` }))
    .min(1, 'Choose at least one scope')
    .max(API_KEY_SCOPES.length)
    .transform((s) => [...new Set(s)]),
  /** Days until expiry; null for a key that never expires. */
  expiresInDays: z.number().int().min(1, 'Expiry must be at least 1 day').max(730, 'Expiry must be at most 730 days').nullable().default(90),
});

export const revokeApiKeyInput = z.object({ id: idSchema('API key ID') });
