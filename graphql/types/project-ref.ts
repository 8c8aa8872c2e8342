import type { Project } from '../../db/schema';
import { builder } from '../builder';

/** Declared apart from its fields so Team and Project can refer to each other. */
export const ProjectRef = builder.objectRef<Project>('Project');
