import type { Project } from '../../db/schema';
import { sharedRef } from '../builder';

/** Declared apart from its fields so Team and Project can refer to each other. */
export const ProjectRef = sharedRef((builder) => builder.objectRef<Project>('Project'));
