/** Timestamped progress lines on stderr (stdout carries only the final `chaos:` line). */
const t0 = Date.now();

export function elapsed(): string {
  return ((Date.now() - t0) / 1000).toFixed(1);
}

export function say(msg: string): void {
  process.stderr.write(`[chaos +${elapsed()}s] ${msg}\n`);
}
