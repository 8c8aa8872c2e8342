import { text } from './columns';
import { organizations } from './tenancy';

/** The tenant key every tenant table carries; row-level security policies compare it with `app.org_id`. */
export const orgIdColumn = () =>
  text('org_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });
