/**
 * The bench's command-line options, parsed and checked once; a wrong value stops the run with a
 * message naming the option. `--smoke` only changes the defaults (a few seconds, small counts).
 */
import { parseArgs } from 'node:util';

export const ALGS = ['none', 'ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', 'rsa-v1_5-sha256'] as const;
export type Alg = (typeof ALGS)[number];

export interface BenchOptions {
  /** upper bound on measured messages (the run stops at whichever of messages/duration comes first) */
  messages: number;
  durationS: number;
  warmupS: number;
  /** closed loop: requests in flight; with --rate: the most that may be in flight */
  concurrency: number;
  /** open loop at this many messages/s (undefined: closed loop) */
  rate?: number;
  payloadBytes: number;
  fanout: number;
  alg: Alg;
  /** receivers check the hub's signature on every delivery; auto: when the hub signs */
  verifyDeliveries: 'auto' | 'on' | 'off';
  embedded: boolean;
  /** run the hub from this git ref (exported to a temporary directory) instead of the working tree */
  hubRef?: string;
  smoke: boolean;
  ceiling: boolean;
  /** also run the ceiling with the hub's audit-chain pattern */
  ceilingAudit: boolean;
  /** write V8 CPU profiles of the hub processes into this directory and summarise them */
  profileDir?: string;
  drainTimeoutS: number;
  outDir: string;
  /** messages of history in the database before measuring (bench/preload.ts); 0: an empty database */
  preload: number;
  /** keep the preloaded database for later runs, and start from a copy of it */
  keepPreload: boolean;
  /** issue 26: the share of messages classified gbv, stored encrypted, reported apart from the plain ones */
  encryptShare: number;
}

const USAGE = `npm run bench -- [options]
  --messages N         most messages in the measured phase (default 1000000; smoke 400)
  --duration S         length of the measured phase in seconds (default 60; smoke 3)
  --warmup S           warm-up before measuring, same load (default 3; smoke 1)
  --concurrency C      requests in flight (closed loop), or the cap with --rate (default 32; smoke 8)
  --rate R             open loop: send R messages/s on a fixed schedule (latency counted from the schedule)
  --payload-bytes B    request body size, padding a free-text field (default 1024; 600..8400)
  --fanout F           recipients per message, 1..3 (default 2)
  --alg A              the federation's algorithm: the sender's, the hub's and the recipients' keys
                       (none|ed25519|ecdsa-p256-sha256|rsa-pss-sha512|rsa-v1_5-sha256; default ecdsa-p256-sha256,
                       the hub's default key type; none: unsigned intake naming its sender in Wasla-Sender, the hub
                       started with WASLA_INSECURE_ALLOW_UNSIGNED=true, P-256 deliveries and receipts)
  --verify-deliveries auto|on|off
                       receivers verify the hub's signature on every delivery (default auto: when the hub signs)
  --embedded           run the hub in embedded mode (PGlite, in-process dispatcher) instead of api + worker
  --hub-ref REF        run the hub of a git commit (e.g. HEAD) instead of the working tree, which others may be editing
  --no-ceiling         skip the ceiling pipeline
  --ceiling-audit      also run the ceiling with the hub's audit-chain append added (an experiment)
  --profile DIR        CPU-profile the hub processes (node --cpu-prof) and print the top costs
  --drain-timeout S    how long to wait for every delivery after the load stops (default 15; smoke 10)
  --out DIR            where results go (default bench/results)
  --preload N          before measuring, fill the database with N messages of history (delivered, retried,
                       dead and replayed deliveries, attempts with receipts, idempotency keys, sealed audit
                       entries; docs/benchmark.md "Preloaded history"); server mode only (default 0)
  --keep-preload       keep the preloaded database (named by N, fan-out and a fingerprint of the migrations)
                       and start each run from a copy of it, so a repeated run does not reload
  --encrypt-share S    the share 0..1 of messages the sender classifies gbv, which the hub stores encrypted; their
                       intake and end-to-end latencies are reported beside the plain ones of the same run (default 0)
  --smoke              a few seconds and small counts, for CI`;

function num(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name}: expected a number in ${min}..${max}, got "${raw}"\n\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'payload-bytes': { type: 'string' },
      fanout: { type: 'string' },
      alg: { type: 'string' },
      'verify-deliveries': { type: 'string' },
      embedded: { type: 'boolean' },
      'hub-ref': { type: 'string' },
      smoke: { type: 'boolean' },
      'no-ceiling': { type: 'boolean' },
      'ceiling-audit': { type: 'boolean' },
      profile: { type: 'string' },
      'drain-timeout': { type: 'string' },
      out: { type: 'string' },
      preload: { type: 'string' },
      'keep-preload': { type: 'boolean' },
      'encrypt-share': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (v.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const smoke = v.smoke === true;
  const alg = (v.alg ?? 'ecdsa-p256-sha256') as Alg;
  if (!ALGS.includes(alg)) throw new Error(`--alg: expected one of ${ALGS.join(', ')}, got "${v.alg}"`);
  const verifyDeliveries = (v['verify-deliveries'] ?? 'auto') as BenchOptions['verifyDeliveries'];
  if (!['auto', 'on', 'off'].includes(verifyDeliveries)) throw new Error(`--verify-deliveries: expected auto, on or off, got "${verifyDeliveries}"`);
  const preload = Math.floor(num('preload', v.preload, 0, 0, 10_000_000));
  if (preload > 0 && v.embedded) throw new Error('--preload: the history is loaded into the PostgreSQL server; embedded mode (PGlite) is not preloaded');
  if (v['keep-preload'] && preload === 0) throw new Error('--keep-preload: give --preload N, the history to keep');
  return {
    messages: Math.floor(num('messages', v.messages, smoke ? 400 : 1_000_000, 1, 10_000_000)),
    durationS: num('duration', v.duration, smoke ? 3 : 60, 1, 600),
    warmupS: num('warmup', v.warmup, smoke ? 1 : 3, 0, 60),
    concurrency: Math.floor(num('concurrency', v.concurrency, smoke ? 8 : 32, 1, 1024)),
    rate: v.rate === undefined ? undefined : num('rate', v.rate, 0, 1, 100_000),
    payloadBytes: Math.floor(num('payload-bytes', v['payload-bytes'], 1024, 600, 8400)),
    fanout: Math.floor(num('fanout', v.fanout, 2, 1, 3)),
    alg,
    verifyDeliveries,
    embedded: v.embedded === true,
    hubRef: v['hub-ref'],
    smoke,
    ceiling: v['no-ceiling'] !== true,
    ceilingAudit: v['ceiling-audit'] === true,
    profileDir: v.profile,
    drainTimeoutS: num('drain-timeout', v['drain-timeout'], smoke ? 10 : 15, 1, 600),
    outDir: v.out ?? 'bench/results',
    preload,
    keepPreload: v['keep-preload'] === true,
    encryptShare: num('encrypt-share', v['encrypt-share'], 0, 0, 1),
  };
}
