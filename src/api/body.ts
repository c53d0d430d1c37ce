/**
 * Reading a request body with a hard size limit: a declared Content-Length over the limit is
 * refused before a byte is read, and a body that streams past it is cut off, so an oversized
 * request never reaches the parser.
 */
import type { Context } from 'hono';
import { RequestRefusedError } from '../errors.js';

function tooLarge(max: number): RequestRefusedError {
  return new RequestRefusedError({ code: 'body-too-large', status: 413, title: 'Body too large', detail: `the body exceeds ${max} bytes` });
}

export async function readBody(c: Context, max: number): Promise<Buffer> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > max) throw tooLarge(max);
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
