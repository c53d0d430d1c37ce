/**
 * Reading a request body with a hard size limit: a declared Content-Length over the limit is
 * refused before a byte is read, and a body that streams past it is cut off, so an oversized
 * request never reaches the parser.
 */
import type { Context } from 'hono';
import { RequestRefusedError } from '../errors.js';

function tooLarge(max: number): RequestRefusedError {
  return new RequestRefusedError('body-too-large', `the body exceeds ${max} bytes`);
}

/** On @hono/node-server the Node request is read directly: a web stream over it costs far more CPU. */
function readIncoming(incoming: import('node:http').IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    incoming.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        incoming.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    incoming.once('end', () => failed || resolve(Buffer.concat(chunks, size)));
    incoming.once('error', (err) => failed || reject(err));
  });
}

export async function readBody(c: Context, max: number): Promise<Buffer> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > max) throw tooLarge(max);
  const incoming = (c.env as { incoming?: import('node:http').IncomingMessage } | undefined)?.incoming;
  if (incoming && typeof incoming.on === 'function' && !incoming.readableEnded && incoming.readableFlowing === null) return readIncoming(incoming, max);
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
