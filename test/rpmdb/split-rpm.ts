// Test helper: cut an .rpm file into its signature and main header blobs
// (lead, signature header padded to 8 bytes, main header) without the
// project's RPM reader, so rpmdb tests stand on their own.
import { readFileSync } from 'node:fs';

export interface RpmParts {
  signature: Uint8Array;
  header: Uint8Array;
  payloadOffset: number;
}

function headerLen(b: Uint8Array, off: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const il = dv.getUint32(off + 8);
  const dl = dv.getUint32(off + 12);
  return 16 + il * 16 + dl;
}

export function splitRpm(file: string): RpmParts {
  const b = new Uint8Array(readFileSync(file));
  const sigOff = 96;
  const sigLen = headerLen(b, sigOff);
  const hdrOff = sigOff + sigLen + ((8 - (sigLen % 8)) % 8);
  const hdrLen = headerLen(b, hdrOff);
  return { signature: b.slice(sigOff, sigOff + sigLen), header: b.slice(hdrOff, hdrOff + hdrLen), payloadOffset: hdrOff + hdrLen };
}
