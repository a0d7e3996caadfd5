// `rpmkit push --image DIR --tag TAG REF`: send one tagged image of an OCI
// layout to a registry.
import type { Command } from 'commander';
import { pushImage } from '../../registry/index.js';
import { output } from '../options.js';

export function register(program: Command): void {
  program
    .command('push')
    .description('push a tagged image from an OCI layout to a registry (auth: ~/.docker/config.json, $REGISTRY_AUTH_FILE, RPMKIT_REGISTRY_USERNAME/PASSWORD)')
    .argument('<ref>', 'destination HOST[:PORT]/REPOSITORY[:TAG] (the tag defaults to --tag)')
    .requiredOption('--image <dir>', 'OCI image layout directory')
    .requiredOption('--tag <tag>', 'tag of the image inside the layout')
    .option('--insecure', 'use plain http (automatic for localhost and 127.0.0.1)')
    .option('--mount-from <repo...>', 'repositories on the same registry to mount existing blobs from')
    .option('--chunk-size <bytes>', 'upload blobs bigger than this in chunks', (v) => Number(v))
    .action(async (ref: string, opts: { image: string; tag: string; insecure?: boolean; mountFrom?: string[]; chunkSize?: number }, cmd: Command) => {
      const out = output(cmd);
      const r = await pushImage({
        layoutDir: opts.image,
        tag: opts.tag,
        ref,
        insecure: opts.insecure,
        mountFrom: opts.mountFrom,
        chunkSize: opts.chunkSize,
        onProgress: (e) => out.debug(`${e.action} ${e.digest} (${e.size} bytes)`),
      });
      out.result(r, () => `pushed ${r.ref}@${r.digest} (${r.uploaded} uploaded, ${r.skipped} already there, ${r.mounted} mounted)`);
    });
}
