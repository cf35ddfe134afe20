/**
 * DSSE pre-authentication encoding without a second copy of a large payload. A legacy `.att` payload
 * is decoded straight into the tail of a buffer that already holds the PAE header, so the bytes the
 * signature covers are that buffer itself rather than a concatenation made at verification time (a
 * 100 MB SBOM would otherwise be held twice). Byte-for-byte what @sigstore/core's preAuthEncoding
 * makes; anything not laid out that way goes through it.
 */
import { dsse } from '@sigstore/core';

const BACKING = new WeakMap<Uint8Array, Buffer>();

function header(payloadType: string, payloadLength: number): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payloadLength} `, 'ascii'),
  ]);
}

/** An uninitialised payload of `length` bytes, placed after its PAE header. Fill it before use. */
export function allocatePayloadAfterHeader(payloadType: string, length: number): Buffer {
  const head = header(payloadType, length);
  const pae = Buffer.allocUnsafe(head.length + length);
  head.copy(pae, 0);
  const payload = pae.subarray(head.length);
  BACKING.set(payload, pae);
  return payload;
}

/** The PAE of (payloadType, payload): the backing buffer when it is exactly that, else a new one. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const pae = BACKING.get(payload);
  if (pae) {
    const head = header(payloadType, payload.length);
    const laidOut =
      pae.buffer === payload.buffer &&
      pae.byteOffset + head.length === payload.byteOffset &&
      pae.length === head.length + payload.length &&
      pae.subarray(0, head.length).equals(head);
    if (laidOut) return pae;
  }
  return dsse.preAuthEncoding(payloadType, Buffer.from(payload.buffer, payload.byteOffset, payload.length));
}
