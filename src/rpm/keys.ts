// OpenPGP public keys for package signature checks: loaded from files or
// armored text (a file may hold several armored blocks, as distribution key
// files do) and indexed by the key IDs of primary keys and subkeys.
import { readFile } from 'node:fs/promises';
import type * as openpgp from 'openpgp';
import { RpmkitError } from '../errors.js';

export interface KeyRing {
  keys: openpgp.PublicKey[];
  /** 16-hex key ID (lowercase) of every primary key and subkey -> its key. */
  byKeyId: Map<string, openpgp.PublicKey>;
  /** Full fingerprint (lowercase hex) of every primary key and subkey -> its key. */
  byFingerprint: Map<string, openpgp.PublicKey>;
  /** Where each key came from, parallel to `keys`. */
  sources: string[];
  /** Key blocks that could not be used (unsupported algorithms, ...), with the reason. */
  skipped: { source: string; reason: string }[];
}

export function emptyKeyRing(): KeyRing {
  return { keys: [], byKeyId: new Map(), byFingerprint: new Map(), sources: [], skipped: [] };
}

const BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

function addKey(ring: KeyRing, key: openpgp.PublicKey, source: string): void {
  if (ring.byFingerprint.has(key.getFingerprint().toLowerCase())) return;
  ring.keys.push(key);
  ring.sources.push(source);
  for (const k of [key, ...key.getSubkeys()]) {
    ring.byKeyId.set(k.getKeyID().toHex().toLowerCase(), key);
    ring.byFingerprint.set(k.getFingerprint().toLowerCase(), key);
  }
}

/** Add keys from armored or binary data; returns how many keys were added. */
export async function addKeys(ring: KeyRing, data: string | Uint8Array, source: string): Promise<number> {
  const before = ring.keys.length;
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  const blocks = text.match(BLOCK);
  if (blocks) {
    for (const armored of blocks) {
      try {
        for (const k of await (await import('openpgp')).readKeys({ armoredKeys: armored })) addKey(ring, k, source);
      } catch (e) {
        ring.skipped.push({ source, reason: (e as Error).message });
      }
    }
  } else {
    let reason = 'no armored key block';
    if (typeof data !== 'string') {
      try {
        for (const k of await (await import('openpgp')).readKeys({ binaryKeys: data })) addKey(ring, k, source);
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    if (ring.keys.length === before) {
      throw new RpmkitError('KEY_INVALID', `${source}: no OpenPGP public key found (${reason})`, {
        hint: 'Give an armored (-----BEGIN PGP PUBLIC KEY BLOCK-----) or binary OpenPGP public key.',
        details: { source },
      });
    }
  }
  return ring.keys.length - before;
}

/**
 * Load keys from paths or armored texts (strings starting with "-----BEGIN").
 * Blocks openpgp cannot read (e.g. post-quantum algorithms) are recorded in
 * `skipped`; a file without any key is KEY_INVALID.
 */
export async function loadKeys(inputs: (string | Uint8Array)[]): Promise<KeyRing> {
  const ring = emptyKeyRing();
  for (const input of inputs) {
    if (typeof input !== 'string') {
      await addKeys(ring, input, '<binary key>');
    } else if (input.trimStart().startsWith('-----BEGIN')) {
      await addKeys(ring, input, '<armored key>');
    } else {
      const path = input.startsWith('file://') ? decodeURIComponent(new URL(input).pathname) : input;
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (e) {
        throw new RpmkitError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${path}: cannot read key file: ${(e as Error).message}`, { cause: e });
      }
      await addKeys(ring, new Uint8Array(data), path);
    }
  }
  return ring;
}
