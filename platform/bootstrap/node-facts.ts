// What the bootstrap reads from the cluster's nodes: the address the site and routes are reached
// at when no domain is given, and the CPU architecture the function images are built for.
import { ActionableError } from '../actionable-error.ts';
import type { KubeObject } from '../render/kube-object.ts';

/** The node address routes and the site are reached at: a LoadBalancer-less laptop cluster's first node. */
export function nodeAddress(nodes: readonly KubeObject[]): string {
  for (const node of nodes) {
    const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
    const internal = addresses.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address));
    if (internal) return internal.address;
  }
  throw new ActionableError(`none of the cluster's ${nodes.length} nodes reports an IPv4 InternalIP, so there is no address for the site`, {
    next: 'kubectl get nodes -o wide shows the nodes; give the site a name with --domain (or --public-url)',
  });
}

/** The CPU architecture of the cluster's nodes, so the images get the matching base. */
export function nodeArchitecture(nodes: readonly KubeObject[]): string {
  const architectures = new Set(nodes.map((n) => (n.status as { nodeInfo?: { architecture?: string } } | undefined)?.nodeInfo?.architecture ?? 'amd64'));
  if (architectures.size > 1) throw new Error(`the cluster's nodes run ${[...architectures].join(' and ')}: images are built for one architecture`);
  return [...architectures][0] ?? 'amd64';
}
