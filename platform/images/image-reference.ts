// Image references as the distribution spec and Docker spell them: `host[:port]/repo[:tag][@digest]`.
// A first component without a dot, a colon or `localhost` is a Docker Hub repository, so
// `node:24` means `docker.io/library/node:24`. Parsing only: nothing here talks to a registry.
import type { Digest } from './oci-image.ts';

export interface ImageReference {
  /** The registry host as written (`localhost:32000`, `docker.io`). */
  registry: string;
  /** Repository name, e.g. `knative-forecast/get-forecast`, `library/node`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function parseImageReference(text: string): ImageReference {
  let rest = text.trim();
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!digestPattern.test(d)) throw new Error(`image reference ${text}: the digest must be sha256:<64 hex digits>`);
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first : 'docker.io';
  let path = hasHost ? rest.slice(slash + 1) : rest;
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!tagPattern.test(tag)) throw new Error(`image reference ${text}: ${JSON.stringify(tag)} is not a valid tag`);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!repositoryPattern.test(path)) throw new Error(`image reference ${text}: ${JSON.stringify(path)} is not a valid repository name (lowercase, digits, . _ - and /)`);
  return { registry, repository: path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Where the registry's API is: Docker Hub's names differ from its API host. */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** Hosts a cluster's local registry answers on in plain HTTP by default (as Docker treats them). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
