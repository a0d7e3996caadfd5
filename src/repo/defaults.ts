// dnf's defaults for a repository definition, in one place for every
// producer (manifest entries, .repo files, --repo URLs).
import type { RepoDefinition } from './types.js';

export function newRepoDefinition(id: string, baseurl: string[] = []): RepoDefinition {
  return {
    id,
    baseurl,
    enabled: true,
    gpgcheck: true,
    repoGpgcheck: false,
    gpgkeys: [],
    priority: 99,
    cost: 1000,
    includepkgs: [],
    excludepkgs: [],
    sslverify: true,
    metadataExpire: 172800,
    options: {},
  };
}
