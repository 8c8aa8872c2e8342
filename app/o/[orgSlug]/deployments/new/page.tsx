import type { Metadata } from 'next';
import { DeployForm } from './deploy-form';

export const metadata: Metadata = { title: 'Deploy a model' };

type Props = { searchParams: Promise<{ model?: string | string[]; version?: string | string[] }> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

/** `?model=<model ID>&version=<n>` preselects what to serve (a model version's page links here). */
export default async function DeployPage({ searchParams }: Props) {
  const { model, version } = await searchParams;
  const v = Number(first(version));
  return <DeployForm initialModelId={first(model)} initialVersion={Number.isSafeInteger(v) && v > 0 ? v : null} />;
}
