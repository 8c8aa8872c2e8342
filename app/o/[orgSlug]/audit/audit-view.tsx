'use client';

import { LockIcon } from '@/app/components/icons';
import { Card, EmptyState, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';
import { AuditTable } from './audit-table';
import { ChainVerifier } from './chain-verifier';

export function AuditView() {
  const { org } = useOrg();
  const viewer = useViewer();
  const allowed = viewer.data?.viewer.permissions.includes('AUDIT_READ');

  return (
    <>
      <PageHeader title="Audit log" description={`Who did what in ${org.name}, from the browser or with an API key.`} />
      {viewer.isLoading ? (
        <div className="space-y-4">
          <Skeleton className="h-20 w-full" />
          <Skeleton className="h-72 w-full" />
        </div>
      ) : viewer.error ? (
        <LoadError error={viewer.error} onRetry={() => void viewer.refetch()} />
      ) : !allowed ? (
        <Card>
          <EmptyState
            icon={<LockIcon />}
            title="The audit log is for admins only"
            description={`Your role in ${org.name} is ${viewer.data?.viewer.role}. Owners and admins can read the audit log and verify its integrity.`}
          />
        </Card>
      ) : (
        <div className="space-y-6">
          <ChainVerifier />
          <AuditTable />
        </div>
      )}
    </>
  );
}
