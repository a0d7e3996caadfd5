// Image references as users type them: "host[:port]/repo[:tag]" or
// "repo[:tag]" (Docker Hub), optionally "@sha256:...".
import { RpmkitError } from '../errors.js';

export interface ImageRef {
  /** Host as the user wrote it (also the key in auth files), e.g. "127.0.0.1:5000" or "docker.io". */
  registry: string;
  /** Where the API lives (Docker Hub's API host differs from its name). */
  apiHost: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const REPO_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function parseRef(input: string): ImageRef {
  let rest = input.trim().replace(/^docker:\/\//, '');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw bad(input, 'the digest is not sha256:<64 hex>');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw bad(input, `"${tag}" is not a valid tag`);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry: string;
  let repository: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    registry = first;
    repository = rest.slice(slash + 1);
  } else {
    registry = 'docker.io';
    repository = rest.includes('/') ? rest : `library/${rest}`;
  }
  if (!REPO_RE.test(repository)) throw bad(input, `"${repository}" is not a valid repository name (lowercase letters, digits, separators)`);
  const apiHost = registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
  return { registry, apiHost, repository, tag, digest };
}

function bad(input: string, why: string): RpmkitError {
  return new RpmkitError('USAGE', `image reference "${input}" is invalid: ${why}`, { hint: 'expected HOST[:PORT]/REPOSITORY[:TAG], e.g. 127.0.0.1:5000/myapp:1.0' });
}

/** Plain http is allowed for loopback registries without --insecure. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function formatRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
