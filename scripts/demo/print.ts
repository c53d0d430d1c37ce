/**
 * Plain-text output: aligned columns, wrapped lists, and colour only when the stream is a terminal
 * (and NO_COLOR is unset), so piped or collected output has no escape codes.
 */
import type { Writable } from 'node:stream';

export interface Out {
  line(text?: string): void;
  /** text without a line break (a step whose outcome follows on the same line) */
  write(text: string): void;
  bold(s: string): string;
  dim(s: string): string;
  good(s: string): string;
  bad(s: string): string;
  /** visible width of a string (escape codes not counted) */
  width(s: string): number;
}

const ESC = /\x1b\[[0-9;]*m/g;

export function createOut(stream: Writable & { isTTY?: boolean }): Out {
  const colour = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const paint = (code: string) => (s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    line: (text = '') => {
      stream.write(text + '\n');
    },
    write: (text) => {
      stream.write(text);
    },
    bold: paint('1'),
    dim: paint('2'),
    good: paint('32'),
    bad: paint('31'),
    width: (s) => s.replace(ESC, '').length,
  };
}

export function pad(out: Out, s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - out.width(s)));
}

/** Words joined by `sep`, wrapped at `max` columns; continuation lines start with `indent`. */
export function wrap(words: string[], firstPrefix: string, indent: string, max = 100, sep = ' '): string[] {
  const lines: string[] = [];
  let cur = firstPrefix;
  let empty = true;
  for (const w of words) {
    const add = (empty ? '' : sep) + w;
    if (!empty && (cur + add).length > max) {
      lines.push(cur.trimEnd());
      cur = indent + w;
    } else {
      cur += add;
    }
    empty = false;
  }
  lines.push(cur);
  return lines;
}
