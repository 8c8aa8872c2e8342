import { z } from 'zod';
import { descriptionSchema, idSchema, nameSchema } from '../validation';

export const createProjectInput = z.object({
  teamId: idSchema('Team ID'),
  name: nameSchema('Project name', 80),
  description: descriptionSchema,
});
