/** The bench's encrypted share (issue 26): spread evenly, classified gbv, the plain bodies unchanged. */
import { describe, expect, it } from 'vitest';
import { bodyMaker, sealedSeq } from '../../../bench/message.js';
import { parseOptions } from '../../../bench/options.js';

describe('--encrypt-share', () => {
  it('marks the given share of messages, spread evenly', () => {
    const marked = (share: number) => Array.from({ length: 100 }, (_, i) => sealedSeq(i + 1, share)).filter(Boolean).length;
    expect(marked(0)).toBe(0);
    expect(marked(0.5)).toBe(50);
    expect(marked(0.25)).toBe(25);
    expect(marked(1)).toBe(100);
    expect([1, 2, 3, 4].map((n) => sealedSeq(n, 0.5))).toEqual([false, true, false, true]);
  });

  it('classifies the marked bodies gbv and leaves the others exactly as without the option', () => {
    const make = bodyMaker(1024, 0.5);
    const plain = bodyMaker(1024);
    expect(make(1).equals(plain(1))).toBe(true);
    expect(make(1).length).toBe(1024);
    expect(JSON.parse(make(2).toString()).classification).toBe('gbv');
    expect(JSON.parse(make(1).toString()).classification).toBeUndefined();
  });

  it('takes a share from 0 to 1', () => {
    expect(parseOptions(['--encrypt-share', '0.5']).encryptShare).toBe(0.5);
    expect(parseOptions([]).encryptShare).toBe(0);
    expect(() => parseOptions(['--encrypt-share', '2'])).toThrow(/--encrypt-share/);
  });
});
