import { z } from 'zod';
import { teamRole } from '../../db/schema';
import { descriptionSchema, idSchema, nameSchema } from '../validation';

export const createTeamInput = z.object({ name: nameSchema('Team name', 80), description: descriptionSchema });

export const addTeamMemberInput = z.object({
  teamId: idSchema('Team ID'),
  userId: idSchema('User ID'),
  role: z.enum(teamRole.enumValues).default('member'),
});

export const removeTeamMemberInput = z.object({ teamId: idSchema('Team ID'), userId: idSchema('User ID') });
