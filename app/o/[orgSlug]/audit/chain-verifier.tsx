'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { AuditChainQuery } from '@/app/gql/graphql';
import { ShieldIcon } from '@/app/components/icons';
import { Banner, Button, Card, CardBody } from '@/app/components/ui';
import { formatRelative } from '@/app/lib/format';
import { gqlRequest, isGraphQLRequestError } from '@/app/lib/graphql-client';
import { gqlKey } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const AuditChain = graphql(`
  query AuditChain {
    auditChain {
      valid
      checkedEvents
      firstBrokenSeq
      reason
    }
  }
`);

export function ChainVerifier() {
  const { org } = useOrg();
  const qc = useQueryClient();
  const [state, setState] = useState<{ loading: boolean; report?: AuditChainQuery['auditChain']; error?: string; at?: string }>({ loading: false });

  async function verify() {
    setState({ loading: true });
    try {
      // Always recomputed: a cached "valid" would defeat the point of checking.
      const data = await qc.fetchQuery({ queryKey: gqlKey(AuditChain, org.id, {}), queryFn: () => gqlRequest(AuditChain, {}, org.id), staleTime: 0 });
      setState({ loading: false, report: data.auditChain, at: new Date().toISOString() });
    } catch (e) {
      setState({ loading: false, error: isGraphQLRequestError(e) || e instanceof Error ? e.message : 'Verification failed' });
    }
  }

  const r = state.report;
  return (
    <Card>
      <CardBody className="flex flex-col gap-4 sm:flex-row sm:items-center">
        <div className="flex flex-1 items-start gap-3">
          <span className="flex size-10 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-zinc-600">
            <ShieldIcon className="size-5" />
          </span>
          <div>
            <p className="text-sm font-semibold text-zinc-900">Tamper-evident log</p>
            <p className="text-sm text-zinc-500">Each event includes the hash of the one before it. Verifying recomputes the whole chain on the server.</p>
          </div>
        </div>
        <Button variant="secondary" onClick={() => void verify()} loading={state.loading}>
          {!state.loading && <ShieldIcon className="size-4" />} Verify chain
        </Button>
      </CardBody>
      {(r || state.error) && (
        <div className="border-t border-zinc-100 px-5 py-4" data-testid="chain-result">
          {state.error ? (
            <Banner tone="error" title="Could not verify the chain">
              {state.error}
            </Banner>
          ) : r?.valid ? (
            <Banner tone="success" title="Chain intact">
              All {r.checkedEvents} {r.checkedEvents === 1 ? 'event' : 'events'} verified; none were altered, removed or reordered. Checked {formatRelative(state.at)}.
            </Banner>
          ) : (
            r && (
              <Banner tone="error" title={`Chain broken at #${r.firstBrokenSeq ?? '?'}`}>
                {r.reason ?? 'An event does not match its recorded hash.'} ({r.checkedEvents} events checked)
              </Banner>
            )
          )}
        </div>
      )}
    </Card>
  );
}
