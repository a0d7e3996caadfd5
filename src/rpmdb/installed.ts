// Reading back what an rpm database says is installed: each package's
// NEVRA and the identity of its files (type, size, digest, link target),
// enough for file-conflict checks against packages of an earlier run.
import { HeaderView } from './header-blob.js';
import { FILE_STATE } from './tags.js';

export interface InstalledFile {
  path: string;
  mode: number;
  size: number;
  digest: string;
  linkTarget: string;
  rdev: number;
  ghost: boolean;
}

export interface InstalledPackage {
  nevra: string;
  name: string;
  files: InstalledFile[];
}

const TAG = {
  NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022,
  FILESIZES: 1028, FILESTATES: 1029, FILEMODES: 1030, FILERDEVS: 1033, FILEDIGESTS: 1035, FILELINKTOS: 1036, FILEFLAGS: 1037,
  DIRINDEXES: 1116, BASENAMES: 1117, DIRNAMES: 1118,
} as const;
const RPMFILE_GHOST = 1 << 6;

/** Files of one installed header that are on disk (states other than not-installed). */
export function installedPackage(blob: Uint8Array): InstalledPackage {
  const h = HeaderView.parse(blob, 'rpmdb header');
  const name = h.string(TAG.NAME) ?? '';
  const epoch = h.numbers(TAG.EPOCH)[0];
  const nevra = `${name}-${epoch ? `${epoch}:` : ''}${h.string(TAG.VERSION) ?? ''}-${h.string(TAG.RELEASE) ?? ''}.${h.string(TAG.ARCH) ?? ''}`;
  const base = h.strings(TAG.BASENAMES);
  const dirs = h.strings(TAG.DIRNAMES);
  const di = h.numbers(TAG.DIRINDEXES);
  const modes = h.numbers(TAG.FILEMODES);
  const sizes = h.numbers(TAG.FILESIZES);
  const digests = h.strings(TAG.FILEDIGESTS);
  const links = h.strings(TAG.FILELINKTOS);
  const rdevs = h.numbers(TAG.FILERDEVS);
  const flags = h.numbers(TAG.FILEFLAGS);
  const states = h.numbers(TAG.FILESTATES);
  const files: InstalledFile[] = [];
  base.forEach((b, i) => {
    if (states[i] === FILE_STATE.NOTINSTALLED) return;
    files.push({
      path: `${dirs[di[i] ?? 0] ?? '/'}${b}`,
      mode: modes[i] ?? 0,
      size: sizes[i] ?? 0,
      digest: digests[i] ?? '',
      linkTarget: links[i] ?? '',
      rdev: rdevs[i] ?? 0,
      ghost: ((flags[i] ?? 0) & RPMFILE_GHOST) !== 0,
    });
  });
  return { nevra, name, files };
}
