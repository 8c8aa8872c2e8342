import { z } from 'zod';
import { aliasProblem, modelNameProblem } from './model-names';
import { checkedBy } from './schema';

export const modelNameSchema = z.string({ message: 'Registered model name is required' }).trim().superRefine(checkedBy(modelNameProblem));

export const aliasSchema = z.string({ message: 'Alias is required' }).superRefine(checkedBy(aliasProblem));
