import { z } from 'zod';
import { idSchema } from '../validation';
import { ORG_ROLES } from './permissions';

export const changeMemberRoleInput = z.object({ membershipId: idSchema('Membership ID'), role: z.enum(ORG_ROLES) });

export const removeMemberInput = z.object({ membershipId: idSchema('Membership ID') });
