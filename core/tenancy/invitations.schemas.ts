import { z } from 'zod';
import { emailSchema, idSchema } from '../validation';
import { ORG_ROLES } from './permissions';

export const createInvitationInput = z.object({ email: emailSchema, role: z.enum(ORG_ROLES).default('member') });

export const revokeInvitationInput = z.object({ id: idSchema('Invitation ID') });

export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This invitation link is malformed');
