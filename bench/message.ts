/**
 * The message the load generator sends: a `traffic-fine.contested` 1.0 envelope (valid against the
 * catalogue) from the bench sender, padded to the requested body size through its free-text field
 * `grounds` (Arabic text, two bytes a character in UTF-8, as such grounds usually are). Each body is
 * unique by its sequence number, so fine numbers and idempotency keys never repeat.
 */

export const MESSAGE_TYPE = 'traffic-fine.contested';
/**
 * The bench's one sender (an id of the schemas' institution pattern: two letters, then parts). The contesting court is the sender itself: the hub refuses a message that
 * names another institution as its issuer (`court.id`, the schema's x-wasla-issuer).
 */
export const SENDER = 'xb.bench.sender';
const SEQ = '%%SEQ%%';
const SEQ_DIGITS = 10;
/** the schema's limit on `grounds` (characters) */
const MAX_GROUNDS = 4000;

function envelope(seq: string, grounds: string, sealed = false): string {
  return JSON.stringify({
    specversion: '1.0',
    type: MESSAGE_TYPE,
    // issue 26: the sender's classification gbv makes the hub store the payload encrypted
    ...(sealed && { classification: 'gbv' }),
    dataschema: `https://wasla.dev/contracts/messages/${MESSAGE_TYPE}/1.0.schema.json`,
    id: `bench-${seq}`,
    data: {
      fineNumber: `BN-2026-${seq}`,
      contestedOn: '2026-03-27',
      grounds,
      contestant: { name: { ar: 'ليث محمود العبادي', latin: 'Laith Mahmoud Al-Abbadi' }, nationalId: '990112233' },
      court: { id: SENDER, name: { ar: 'محكمة صلح رام الله', latin: 'Ramallah Magistrate Court' } },
      caseNumber: '4471/2026',
    },
  });
}

/**
 * Whether message `seq` (1, 2, ...) is one of the encrypted share: spread evenly, e.g. every other
 * one at 0.5 (the n-th is encrypted when n·share crosses a whole number).
 */
export function sealedSeq(seq: number, share: number): boolean {
  return share > 0 && Math.floor(seq * share) > Math.floor((seq - 1) * share);
}

/**
 * Builds bodies of exactly `bytes` bytes (an encrypted one, `encryptShare` of them, is 24 bytes
 * longer: its `"classification":"gbv"`); throws when the schema cannot hold that much.
 */
export function bodyMaker(bytes: number, encryptShare = 0): (seq: number) => Buffer {
  const plain = templateOf(bytes, false);
  const sealed = encryptShare > 0 ? templateOf(bytes, true) : plain;
  return (seq: number) => (sealedSeq(seq, encryptShare) ? sealed : plain)(seq);
}

function templateOf(bytes: number, sealed: boolean): (seq: number) => Buffer {
  const base = Buffer.byteLength(envelope(SEQ.padEnd(SEQ_DIGITS, '0'), ''));
  const pad = bytes - base;
  if (pad < 1) throw new Error(`--payload-bytes: at least ${base + 1} bytes for a ${MESSAGE_TYPE} message`);
  const arabic = Math.floor(pad / 2);
  const grounds = 'ع'.repeat(arabic) + (pad % 2 ? '.' : '');
  if ([...grounds].length > MAX_GROUNDS) throw new Error(`--payload-bytes: at most ${base + 2 * MAX_GROUNDS} bytes (${MESSAGE_TYPE} allows ${MAX_GROUNDS} characters of grounds)`);
  const template = envelope(SEQ.padEnd(SEQ_DIGITS, '0'), grounds, sealed).split(SEQ.padEnd(SEQ_DIGITS, '0'));
  return (seq: number) => Buffer.from(template.join(String(seq).padStart(SEQ_DIGITS, '0')));
}
