/**
 * ECDSA signatures between the two encodings: RFC 9421 §3.3.4 sends r||s as fixed-width
 * big-endian integers (IEEE P1363), OpenSSL produces and takes a DER SEQUENCE of two INTEGERs
 * (RFC 3279 §2.2.3, SEC 1 §C.8).
 *
 * Why by hand: node:crypto converts for us when given `{ key, dsaEncoding: 'ieee-p1363' }`, but on
 * Node 24 an options object instead of a bare KeyObject costs about 40 µs a call (node tries it
 * as a KeyObject and as a CryptoKey first, and each failed try throws an error inside node), more
 * than the signature itself (31 µs); the hub signs and verifies several times a message. With a
 * bare KeyObject node reads and writes DER, and these two functions do the rest.
 *
 * Guarantees: `derToP1363` accepts only what OpenSSL writes (a minimal DER SEQUENCE of two
 * positive INTEGERs that fit `width` bytes) and throws otherwise; `p1363ToDer` writes the minimal
 * DER for any `2 × width` bytes, so a zero or out-of-range r or s reaches OpenSSL, which refuses
 * it like any other bad signature.
 */

/** One unsigned big-endian integer as a DER INTEGER (minimal: no leading zero unless the top bit is set). */
function derInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const pad = bytes[start] & 0x80 ? 1 : 0;
  const out = Buffer.alloc(2 + pad + bytes.length - start);
  out[0] = 0x02;
  out[1] = pad + bytes.length - start;
  Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).copy(out, 2 + pad);
  return out;
}

/** r||s of `2 × width` bytes (64 for P-256) as the DER OpenSSL verifies. */
export function p1363ToDer(signature: Uint8Array, width = 32): Buffer {
  if (signature.length !== 2 * width) throw new RangeError(`an ECDSA signature of ${2 * width} bytes was expected, got ${signature.length}`);
  const r = derInteger(signature.subarray(0, width));
  const s = derInteger(signature.subarray(width));
  // at most 2 × (2 + 1 + width) bytes: short-form length for width <= 61 (P-256: 70 at most)
  if (r.length + s.length > 127) throw new RangeError('ECDSA signature too long for this encoder');
  return Buffer.concat([Buffer.from([0x30, r.length + s.length]), r, s]);
}

/** Reads one DER INTEGER at `at` into `out` right-aligned in `width` bytes; returns the next offset. */
function readInteger(der: Uint8Array, at: number, out: Buffer, outAt: number, width: number): number {
  if (der[at] !== 0x02) throw new RangeError('ECDSA signature: INTEGER expected');
  const len = der[at + 1];
  if (len === undefined || len === 0 || len > 0x7f || at + 2 + len > der.length) throw new RangeError('ECDSA signature: bad INTEGER length');
  let body = der.subarray(at + 2, at + 2 + len);
  if (body[0] & 0x80) throw new RangeError('ECDSA signature: negative INTEGER');
  if (body[0] === 0 && body.length > 1) {
    if (!(body[1] & 0x80)) throw new RangeError('ECDSA signature: INTEGER not minimal');
    body = body.subarray(1);
  }
  if (body.length > width) throw new RangeError(`ECDSA signature: INTEGER wider than ${width} bytes`);
  out.set(body, outAt + width - body.length);
  return at + 2 + len;
}

/** The DER OpenSSL signs into as r||s of `2 × width` bytes. */
export function derToP1363(der: Uint8Array, width = 32): Buffer {
  if (der.length < 2 || der[0] !== 0x30 || der[1] > 0x7f || der[1] !== der.length - 2) throw new RangeError('ECDSA signature: not a short DER SEQUENCE');
  const out = Buffer.alloc(2 * width);
  const next = readInteger(der, readInteger(der, 2, out, 0, width), out, width, width);
  if (next !== der.length) throw new RangeError('ECDSA signature: trailing bytes');
  return out;
}
