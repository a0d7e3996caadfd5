// The 96-byte lead at the start of every RPM: mostly obsolete, but its magic
// and signature type tell an RPM from anything else.
import { RpmkitError } from '../errors.js';
import type { RpmLead } from './types.js';

export const LEAD_SIZE = 96;
const LEAD_MAGIC = [0xed, 0xab, 0xee, 0xdb];

export function parseLead(buf: Uint8Array, file: string): RpmLead {
  if (buf.length < LEAD_SIZE) {
    throw new RpmkitError('RPM_INVALID', `${file}: truncated: ${buf.length} bytes, an RPM lead alone is ${LEAD_SIZE}`, {
      hint: 'The file is not an RPM package or was cut short; download it again.',
      details: { file },
    });
  }
  for (let i = 0; i < 4; i++) {
    if (buf[i] !== LEAD_MAGIC[i]) {
      throw new RpmkitError('RPM_INVALID', `${file}: not an RPM package (bad lead magic)`, {
        hint: 'Check that the path points at a .rpm file.',
        details: { file },
      });
    }
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, LEAD_SIZE);
  const major = buf[4]!;
  const minor = buf[5]!;
  // rpm 6 writes major 4; rpm >= 4 reads leads 3 and 4 (older ones are pre-1997).
  if (major < 3 || major > 4) {
    throw new RpmkitError('RPM_UNSUPPORTED', `${file}: RPM lead version ${major}.${minor} is not supported (3 or 4 expected)`, {
      hint: 'Packages older than rpm 2.1 (lead v1/v2) cannot be read.',
      details: { file, major, minor },
    });
  }
  const signatureType = dv.getUint16(78);
  if (signatureType !== 5) {
    throw new RpmkitError('RPM_UNSUPPORTED', `${file}: signature type ${signatureType} is not supported (5, a header-style signature, expected)`, {
      details: { file, signatureType },
    });
  }
  const nameBytes = buf.subarray(10, 76);
  const z = nameBytes.indexOf(0);
  return {
    major,
    minor,
    type: dv.getUint16(6),
    archnum: dv.getUint16(8),
    name: new TextDecoder().decode(nameBytes.subarray(0, z < 0 ? 66 : z)),
    osnum: dv.getUint16(76),
    signatureType,
  };
}
