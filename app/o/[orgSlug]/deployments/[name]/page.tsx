import type { Metadata } from 'next';
import { DeploymentView } from './deployment-view';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: decodeURIComponent(name) };
}

export default async function DeploymentPage({ params }: Props) {
  const { name } = await params;
  return <DeploymentView name={decodeURIComponent(name)} />;
}
