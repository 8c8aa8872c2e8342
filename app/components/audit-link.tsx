'use client';

import { ScrollIcon } from '@/app/components/icons';
import { ButtonLink } from '@/app/components/ui';
import { auditHref, type AuditFilter } from '@/app/lib/audit-filter';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';

/**
 * A link to the audit log filtered to one object or actor ("History", "Activity"), for those
 * who may read the log; nothing for the others, and nothing while the viewer loads.
 */
export function AuditLink({ filter, children, label }: { filter: AuditFilter; children: React.ReactNode; label?: string }) {
  const { org } = useOrg();
  if (useCan('AUDIT_READ') !== true) return null;
  return (
    <ButtonLink href={auditHref(org.slug, filter)} variant="ghost" size="sm" aria-label={label}>
      <ScrollIcon className="size-3.5" /> {children}
    </ButtonLink>
  );
}
