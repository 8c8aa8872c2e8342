'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { graphql } from '@/app/gql';
import { gqlRequest, isGraphQLRequestError } from '@/app/lib/graphql-client';
import { describeMlflowLink, parseMlflowHash, type MlflowLink } from '@/app/lib/mlflow-links';
import { useOrg } from '@/app/lib/org-context';
import { useToast } from './toast';

const MlflowLinkOrganizations = graphql(`
  query MlflowLinkOrganizations {
    organizations {
      id
      slug
    }
  }
`);

const MlflowLinkRun = graphql(`
  query MlflowLinkRun($id: ID!) {
    run(id: $id) {
      id
    }
  }
`);

const MlflowLinkExperiment = graphql(`
  query MlflowLinkExperiment($id: ID!) {
    experiment(id: $id) {
      id
    }
  }
`);

const MlflowLinkModel = graphql(`
  query MlflowLinkModel($name: String!) {
    registeredModel(name: $name) {
      id
    }
  }
`);

const MlflowLinkVersion = graphql(`
  query MlflowLinkVersion($uri: String!) {
    resolveModelUri(uri: $uri) {
      version {
        id
        modelId
      }
    }
  }
`);

/** The Gantry path of what `link` names inside one organization, or null when that organization has no such thing. */
async function pathIn(link: MlflowLink, org: { id: string; slug: string }): Promise<string | null> {
  const base = `/o/${org.slug}`;
  try {
    switch (link.kind) {
      case 'run':
        return `${base}/runs/${(await gqlRequest(MlflowLinkRun, { id: link.runId }, org.id)).run.id}`;
      case 'experiment':
        // "0", MLflow's default experiment, resolves to the organization's own.
        return `${base}/experiments/${(await gqlRequest(MlflowLinkExperiment, { id: link.experimentId }, org.id)).experiment.id}`;
      case 'model':
        return `${base}/models/${(await gqlRequest(MlflowLinkModel, { name: link.name }, org.id)).registeredModel.id}`;
      case 'version': {
        const { version } = (await gqlRequest(MlflowLinkVersion, { uri: `models:/${link.name}/${link.version}` }, org.id)).resolveModelUri;
        return `${base}/models/${version.modelId}/versions/${version.id}`;
      }
      case 'compare':
        return `${base}/compare?runs=${link.runIds.map(encodeURIComponent).join(',')}`;
    }
  } catch (e) {
    // Not in this organization (or not a valid ID here): the next one may have it.
    if (isGraphQLRequestError(e) && ['NOT_FOUND', 'BAD_USER_INPUT', 'FORBIDDEN'].includes(e.code)) return null;
    throw e;
  }
}

/**
 * Opens the Gantry page for an MLflow-style link (`#/experiments/<id>/runs/<id>`, `#/models/<name>/versions/<n>`,
 * `#/compare-runs?runs=[…]`), looking in the organization of the URL first and then in the user's others,
 * since the key that logged the run may belong to another one. A link to nothing the user can see says so.
 */
export function MlflowLinkRedirect() {
  const { org } = useOrg();
  const router = useRouter();
  const toast = useToast();

  useEffect(() => {
    let cancelled = false;
    const open = async () => {
      const link = parseMlflowHash(window.location.hash);
      if (!link) return;
      const others = link.kind === 'compare' ? [] : (await gqlRequest(MlflowLinkOrganizations, {}, org.id)).organizations.filter((o) => o.id !== org.id);
      for (const candidate of [org, ...others]) {
        const path = await pathIn(link, candidate);
        if (cancelled) return;
        if (path) {
          router.replace(path);
          return;
        }
      }
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
      toast.error('Nothing to open for that MLflow link', `None of your organizations has ${describeMlflowLink(link)}.`);
    };
    const run = () => {
      open().catch(() => toast.error('Could not open the MLflow link', 'Check your connection and reload the page.'));
    };
    run();
    window.addEventListener('hashchange', run);
    return () => {
      cancelled = true;
      window.removeEventListener('hashchange', run);
    };
  }, [org, router, toast]);

  return null;
}
