import { z } from 'zod';
import { nameSchema } from '../validation';

export const orgNameSchema = nameSchema('Organization name', 80);
export const createOrganizationInput = z.object({ name: orgNameSchema });
