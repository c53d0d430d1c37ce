/**
 * Configuration: environment variables, parsed and validated once at start-up. A wrong value stops
 * the start with a ConfigError naming the variable. Every variable is listed in CONFIG_DOCS, which
 * the configuration table of docs/operating.md mirrors.
 */
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { KeyConfigError } from './record/errors.js';
import { loadEncryptionPolicy, loadPayloadKeyring, type EncryptionPolicy, type PayloadKeyring } from './record/payload-keys.js';
import { DEFAULT_HUB_KEY_TYPE } from './trust/pki-dir.js';

export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** embedded: PGlite + in-process dispatcher; server: PostgreSQL + BullMQ */
  mode: 'embedded' | 'server';
  databaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  contractsDir: string;
  host: string;
  port: number;
  /** idle time after which the hub's listeners close a kept-alive connection (server.keepAliveTimeout) */
  httpKeepAliveMs: number;
  /**
   * the URLs institutions reach the API at, the canonical one first (WASLA_PUBLIC_URL); request
   * signatures must cover one of them. Empty: the URL the API listens on (and, on loopback, its
   * other loopback names)
   */
  publicUrls: string[];
  role: Role;
  /** a process in the worker role serves /healthz, /readyz and /metrics here (null: not at all) */
  workerPort: number | null;
  /** the address the operations listeners (WASLA_METRICS_PORT, WASLA_WORKER_PORT) bind to */
  metricsHost: string;
  /** an api process serves /healthz, /readyz and /metrics here instead of /metrics on the API port (null: on the API port) */
  metricsPort: number | null;
  /** when set, /metrics answers only `Authorization: Bearer <token>` */
  metricsToken?: string;
  logLevel: string;
  maxBodyBytes: number;
  /** Accept unsigned requests naming their sender in Wasla-Sender. Never in production. */
  insecureAllowUnsigned: boolean;
  workerConcurrency: number;
  /** how long a claimed delivery stays in_flight before the sweeper returns it to due */
  leaseMs: number;
  /**
   * issue 29: how long an api process gathers fresh deliveries before it queues them as one job
   * (server mode); the worker then claims and sends them together. 0: as soon as the event loop turns.
   */
  dispatchGatherMs: number;
  /** issue 29: how long a worker gathers finished attempts before it records them in one statement (0: at once) */
  recordGatherMs: number;
  attemptTimeoutMs: number;
  sweepIntervalMs: number;
  /** issue 26.7: payloads the sweeper purges in one batch once their retention period is over (0: the sweeper purges none) */
  retentionBatch: number;
  shutdownGraceMs: number;
  queueName: string;
  /** PostgreSQL pool size per process (server mode) */
  dbPoolSize: number;
  /** attempts in flight to one recipient per worker process */
  recipientConcurrency: number;
  /** consecutive failures that pause a recipient */
  breakerFailures: number;
  /** first pause of a failing recipient; doubles per failed probe up to 10x */
  breakerOpenMs: number;
  /** flow control: due deliveries per recipient above which intake holds its messages (0: off) */
  intakeBacklogLimit: number;
  /** flow control: how long a held message waits before 503 */
  intakeHoldMs: number;
  // issue 25: deadlines
  /** how often the deadline clock looks for due deadlines (worker role) */
  deadlineIntervalMs: number;
  /** the PKI directory: CA, hub key and certificate, registered certificates, revocations */
  pkiDir: string;
  /** the key type of a hub key made by this process (first embedded start, a missing hub key) */
  hubKeyType: HubKeyType;
  /** a request signature older than this (its `created`) is refused */
  signatureMaxAgeSeconds: number;
  /** how far in the future `created` may lie (clock skew) */
  signatureSkewSeconds: number;
  /** Idempotency-Key answers are kept at least this long */
  idempotencyRetentionHours: number;
  // issue 22: the pull inbox
  /** the longest a GET /v1/inbox waits for a delivery, whatever it asks */
  inboxMaxWaitSeconds: number;
  /** how long a pulled delivery stays leased before it returns to the inbox */
  inboxLeaseMs: number;
  /** how often a waiting pull reads PostgreSQL on its own, besides the bell */
  inboxPollMs: number;
  // issue 23: bank statements and reconciliation
  /** days after its requested execution date an unsettled payout is `unmatched` */
  reconcileUnmatchedDays: number;
  /** days either side of the requested execution date a value date may fall for a match by amount */
  reconcileValueDateDays: number;
  /** bytes of a camt statement POST /v1/statements accepts */
  maxStatementBytes: number;
  /** issue 24: keys national ids and names in the case index (WASLA_INDEX_SECRET); unset: the PKI directory's index.secret, made at first start */
  indexSecret?: Buffer;
  /**
   * issue 26: the key-encryption keys of confidential payloads (WASLA_PAYLOAD_KEYS or
   * WASLA_PAYLOAD_KEYS_FILE); unset: the PKI directory's payload.keys, made at first start
   */
  payloadKeyring?: PayloadKeyring;
  /** which payloads are stored encrypted (WASLA_PAYLOAD_ENCRYPTION): juvenile and gbv always */
  payloadEncryption: EncryptionPolicy;
  /** how often a worker moves data keys under the current key-encryption key, a bounded pass at a time */
  payloadRewrapIntervalMs: number;
}

type Env = Record<string, string | undefined>;

/** the BullMQ queue name when WASLA_QUEUE_NAME is unset */
export const DEFAULT_QUEUE_NAME = 'wasla-deliveries';

/** the key types the federation certifies (trust's EnrollKeyType), for WASLA_HUB_KEY_TYPE and `wasla ca init` */
export const HUB_KEY_TYPES = ['ed25519', 'ec-p256', 'rsa-2048'] as const;
export type HubKeyType = (typeof HUB_KEY_TYPES)[number];

export const CONFIG_DOCS: Array<{ name: string; default: string; meaning: string }> = [
  { name: 'DATABASE_URL', default: '(unset: embedded PGlite)', meaning: 'PostgreSQL connection string; set with REDIS_URL for server mode' },
  { name: 'REDIS_URL', default: '(unset: in-process dispatcher)', meaning: 'Redis connection string for BullMQ scheduling' },
  { name: 'WASLA_DATA_DIR', default: './.wasla', meaning: 'embedded mode: PGlite files and the data-directory lock; the PKI files' },
  { name: 'WASLA_CONTRACTS_DIR', default: './contracts', meaning: 'the contract set: messages, institutions, agreements' },
  { name: 'WASLA_HOST', default: '127.0.0.1', meaning: 'address the API listens on' },
  { name: 'WASLA_PORT', default: '8080', meaning: 'port the API listens on (0 picks a free one)' },
  {
    name: 'WASLA_HTTP_KEEPALIVE_MS',
    default: '65000',
    meaning:
      'how long the hub keeps an idle kept-alive connection open (announced as `Keep-Alive: timeout=N`): longer than the idle timeout of any reverse proxy, load balancer or client in front of it, so that they close an idle connection first and never send a request on one the hub is closing. Applies to the API and the health/metrics listeners',
  },
  {
    name: 'WASLA_PUBLIC_URL',
    default: '(unset: the URL the API listens on)',
    meaning:
      "the URL institutions call this hub at (e.g. https://wasla.hjc.example, a base path allowed; several, comma-separated, canonical first): a request signature must cover this URL with the request's path, whatever the Host header says, so a request signed for another hub is refused (401 signature-wrong-authority). Required when WASLA_HOST listens on every address (0.0.0.0, ::). On loopback, localhost, 127.0.0.1 and [::1] at the port are all accepted",
  },
  { name: 'WASLA_ROLE', default: 'all', meaning: 'api, worker or all (overridden by `wasla start --role`)' },
  {
    name: 'WASLA_WORKER_PORT',
    default: '9464',
    meaning: 'a process in the worker role serves /healthz, /readyz and /metrics on this port of WASLA_METRICS_HOST (0 picks a free one; off: none); give each worker on one host its own',
  },
  {
    name: 'WASLA_METRICS_HOST',
    default: '$WASLA_HOST',
    meaning: "the address the operations listeners bind to: WASLA_METRICS_PORT, and a worker's WASLA_WORKER_PORT (e.g. an internal interface, so that only the monitoring network reaches them)",
  },
  {
    name: 'WASLA_METRICS_PORT',
    default: 'off',
    meaning:
      'a port of WASLA_METRICS_HOST on which an api process serves /healthz, /readyz and /metrics; /metrics then leaves the API port (off: /metrics is served on the API port, to anyone who reaches it; 0 picks a free port)',
  },
  {
    name: 'WASLA_METRICS_TOKEN',
    default: '(unset: no token)',
    meaning: 'when set (16 characters or more), /metrics answers only requests with `Authorization: Bearer <token>`, wherever it is served; /healthz and /readyz stay open',
  },
  { name: 'WASLA_LOG_LEVEL', default: 'info', meaning: 'pino level: fatal, error, warn, info, debug, trace, silent' },
  { name: 'WASLA_MAX_BODY_BYTES', default: '262144', meaning: 'requests with larger bodies are refused (413) before parsing' },
  { name: 'WASLA_INSECURE_ALLOW_UNSIGNED', default: 'false', meaning: 'INSECURE: accept unsigned requests that name their sender in `Wasla-Sender`; for isolated experiments only, logged loudly' },
  { name: 'WASLA_PKI_DIR', default: '$WASLA_DATA_DIR/pki', meaning: 'the federation CA, the hub key and certificate, registered certificates and revocations; shared by every process of a hub' },
  {
    name: 'WASLA_HUB_KEY_TYPE',
    default: DEFAULT_HUB_KEY_TYPE,
    meaning:
      "ed25519, ec-p256 or rsa-2048: the type of a hub key made at first start (an existing hub.key.pem is kept; `wasla ca init --hub-key-type` names it too). P-256 signs and verifies fastest on Node's OpenSSL",
  },
  { name: 'WASLA_SIGNATURE_MAX_AGE_S', default: '300', meaning: 'request signatures whose `created` is older are refused; replays are refused within this window' },
  { name: 'WASLA_IDEMPOTENCY_RETENTION_H', default: '24', meaning: 'an Idempotency-Key and its answer are kept at least this many hours' },
  { name: 'WASLA_SIGNATURE_SKEW_S', default: '30', meaning: "how far in the future a signature's `created` may lie" },
  {
    name: 'WASLA_WORKER_CONCURRENCY',
    default: '64',
    meaning: "deliveries a worker process works on at once: being attempted, or claimed and waiting for their recipient's slot (deliveries parked while their recipient's line is full hold none)",
  },
  {
    name: 'WASLA_DISPATCH_GATHER_MS',
    default: '20',
    meaning:
      "how long an api process gathers new deliveries before it queues them as one job (server mode): a worker wakes once for them and claims, sends and records them together. Below saturation this saves more CPU than anything else (see [benchmark.md](benchmark.md)); it adds up to this much to the time from intake to delivery, never to intake's answer. 0: at the next turn of the event loop",
  },
  {
    name: 'WASLA_RECORD_GATHER_MS',
    default: '5',
    meaning: "how long a worker waits for other finished attempts to record with one it has finished, in one statement; the recipient's slot is free meanwhile. 0: at once when no record is running",
  },
  { name: 'WASLA_LEASE_MS', default: '60000', meaning: 'an in_flight delivery older than this is returned to due by the sweeper, its attempt recorded as abandoned' },
  {
    name: 'WASLA_ATTEMPT_TIMEOUT_MS',
    default: '10000',
    meaning: 'an attempt whose receiver has not answered by then is a timeout (retried); each attempt of a schedule counts this long in its time bound',
  },
  { name: 'WASLA_SWEEP_INTERVAL_MS', default: '5000', meaning: 'how often the sweeper looks for due deliveries no job holds (while Redis is unreachable: five times as often, at least every second)' },
  {
    name: 'WASLA_RETENTION_BATCH',
    default: '100',
    meaning:
      'payloads past their retention period (contracts/retention.json) the sweeper purges in one batch, a batch a minute, or a batch each pass while it finds full ones; 0: only `wasla retention run` purges',
  },
  { name: 'WASLA_SHUTDOWN_GRACE_MS', default: '15000', meaning: 'on SIGTERM, how long in-flight attempts may take to finish' },
  { name: 'WASLA_QUEUE_NAME', default: 'wasla-deliveries', meaning: 'BullMQ queue name (server mode)' },
  { name: 'WASLA_DB_POOL_SIZE', default: '10', meaning: 'PostgreSQL connections per process (server mode)' },
  {
    name: 'WASLA_RECIPIENT_CONCURRENCY',
    default: '16',
    meaning: 'attempts in flight to one recipient per worker process (as many more may wait for a slot), so a hanging recipient cannot hold up others',
  },
  { name: 'WASLA_BREAKER_FAILURES', default: '5', meaning: 'consecutive failed attempts that pause a recipient (circuit breaker)' },
  {
    name: 'WASLA_INTAKE_BACKLOG_LIMIT',
    default: '200',
    meaning:
      "flow control: while more deliveries than this are due and untaken for a recipient, intake holds messages routed to it (0: off); at saturation a delivery waits about this many divided by the recipient's deliveries a second",
  },
  { name: 'WASLA_INTAKE_HOLD_MS', default: '2000', meaning: 'flow control: how long intake holds such a message for the backlog to shrink before answering 503 with Retry-After' },
  { name: 'WASLA_BREAKER_OPEN_MS', default: '30000', meaning: 'first pause of a failing recipient before one probe; doubles per failed probe, up to 10x' },
  // issue 22: the pull inbox (docs/inbox.md)
  { name: 'WASLA_INBOX_MAX_WAIT_S', default: '30', meaning: 'the longest a GET /v1/inbox long poll waits for a delivery, whatever its `wait` asks (0: never waits)' },
  {
    name: 'WASLA_INBOX_LEASE_MS',
    default: '60000',
    meaning: 'how long a pulled delivery is leased: unless its receipt arrives by then, the sweeper returns it to the inbox, the lease recorded as an abandoned attempt',
  },
  {
    name: 'WASLA_INBOX_POLL_MS',
    default: '1000',
    meaning: 'how often a waiting pull reads PostgreSQL on its own, besides being woken at a commit for its institution: the most a lost wake-up, a lapsed lease or a due retry waits to be seen',
  },
  // issue 23: bank statements and reconciliation
  { name: 'WASLA_RECONCILE_UNMATCHED_DAYS', default: '10', meaning: 'a payout no statement has settled this many days after its requested execution date becomes unmatched' },
  { name: 'WASLA_RECONCILE_VALUE_DATE_DAYS', default: '3', meaning: 'an entry without a known EndToEndId matches a payout by amount and account only within this many days of its execution date' },
  { name: 'WASLA_MAX_STATEMENT_BYTES', default: '16777216', meaning: 'camt statements larger than this are refused (413) before parsing' },
  // issue 24: case queries
  {
    name: 'WASLA_INDEX_SECRET',
    default: '(unset: $WASLA_PKI_DIR/index.secret, made at first start)',
    meaning:
      'base64 of at least 32 random bytes (`openssl rand -base64 32`): keys national ids and names in the case index and signs query cursors. The same in every process of a hub; changing it means rebuilding the index. Never logged',
  },
  // issue 26: confidential payloads at rest
  {
    name: 'WASLA_PAYLOAD_KEYS',
    default: '(unset: $WASLA_PKI_DIR/payload.keys, made at first start)',
    meaning:
      '`<id>:<base64 of 32 random bytes>`, several separated by commas, the first current: the keys that wrap the data key of each encrypted payload. The same in every process of a hub. Never logged',
  },
  {
    name: 'WASLA_PAYLOAD_KEYS_FILE',
    default: '(unset)',
    meaning: 'a file of the same entries, one a line (`#` comments), mode 0600; instead of WASLA_PAYLOAD_KEYS, never with it',
  },
  {
    name: 'WASLA_PAYLOAD_REWRAP_INTERVAL_MS',
    default: '60000',
    meaning: 'how often a worker moves up to 2000 data keys from older keys under the current one (a rotation), the first pass one interval after start',
  },
  { name: 'WASLA_PAYLOAD_ENCRYPTION', default: 'classified', meaning: '`classified`: juvenile and gbv payloads are stored encrypted; `all`: every payload is' },
  // issue 25: deadlines
  { name: 'WASLA_DEADLINE_INTERVAL_MS', default: '5000', meaning: 'how often the deadline clock (worker role) fires the deadlines that fell due; a deadline fires at most this late' },
  {
    name: 'WASLA_TIME_ZONE',
    default: 'Asia/Hebron',
    meaning: "the federation's time zone (IANA name), in which deadlines read the dates of people (a date of birth, a due date); durations are counted in UTC",
  },
];

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}..${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, 'not a valid URL');
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got ${u.protocol}`);
  return raw;
}

/** WASLA_METRICS_TOKEN: unset, or a bearer token long enough not to be guessed */
function metricsToken(env: Env): string | undefined {
  const raw = env.WASLA_METRICS_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\x21-\x7e]{16,}$/.test(raw)) throw new ConfigError('WASLA_METRICS_TOKEN', 'expected at least 16 visible ASCII characters (e.g. `openssl rand -hex 32`)');
  return raw;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** WASLA_PUBLIC_URL: http(s) URLs, comma-separated, without query, fragment or credentials */
function publicUrls(env: Env): string[] {
  const raw = env.WASLA_PUBLIC_URL;
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new ConfigError('WASLA_PUBLIC_URL', `"${s}" is not a valid URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('WASLA_PUBLIC_URL', `expected an http or https URL, got ${u.protocol}`);
      if (u.search || u.hash || u.username || u.password) throw new ConfigError('WASLA_PUBLIC_URL', `"${s}": give scheme, host, port and base path only (no query, fragment or credentials)`);
      return s;
    });
}

/** WASLA_INDEX_SECRET: base64 (or base64url) of at least 32 bytes; the value itself never appears in an error */
function indexSecret(env: Env): Buffer | undefined {
  const raw = env.WASLA_INDEX_SECRET?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) throw new ConfigError('WASLA_INDEX_SECRET', 'expected base64 (e.g. `openssl rand -base64 32`)');
  const bytes = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 32) throw new ConfigError('WASLA_INDEX_SECRET', `expected at least 32 bytes once decoded, got ${bytes.length}`);
  return bytes;
}

/** the payload keys and policy, as ConfigErrors naming the variable (record/payload-keys.ts never echoes a value) */
function payloadConfig(env: Env): { payloadKeyring?: PayloadKeyring; payloadEncryption: EncryptionPolicy } {
  try {
    return { payloadKeyring: loadPayloadKeyring(env), payloadEncryption: loadEncryptionPolicy(env) };
  } catch (e) {
    if (e instanceof KeyConfigError) throw new ConfigError(e.variable, e.message.slice(e.variable.length + 2));
    throw e;
  }
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], dflt: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!values.includes(raw as T)) throw new ConfigError(name, `expected one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  if (Boolean(databaseUrl) !== Boolean(redisUrl)) {
    throw new ConfigError(databaseUrl ? 'REDIS_URL' : 'DATABASE_URL', 'server mode needs both DATABASE_URL and REDIS_URL; embedded mode needs neither');
  }
  const dataDir = resolve(env.WASLA_DATA_DIR || './.wasla');
  const cfg: Config = {
    mode: databaseUrl ? 'server' : 'embedded',
    databaseUrl,
    redisUrl,
    dataDir,
    pkiDir: resolve(env.WASLA_PKI_DIR || `${dataDir}/pki`),
    hubKeyType: oneOf(env, 'WASLA_HUB_KEY_TYPE', HUB_KEY_TYPES, DEFAULT_HUB_KEY_TYPE),
    signatureMaxAgeSeconds: int(env, 'WASLA_SIGNATURE_MAX_AGE_S', 300, 5, 86_400),
    signatureSkewSeconds: int(env, 'WASLA_SIGNATURE_SKEW_S', 30, 0, 3600),
    idempotencyRetentionHours: int(env, 'WASLA_IDEMPOTENCY_RETENTION_H', 24, 1, 24 * 365),
    contractsDir: resolve(env.WASLA_CONTRACTS_DIR || './contracts'),
    host: env.WASLA_HOST || '127.0.0.1',
    port: int(env, 'WASLA_PORT', 8080, 0, 65535),
    httpKeepAliveMs: int(env, 'WASLA_HTTP_KEEPALIVE_MS', 65_000, 1000, 600_000),
    publicUrls: publicUrls(env),
    role: oneOf(env, 'WASLA_ROLE', ['api', 'worker', 'all'] as const, 'all'),
    workerPort: env.WASLA_WORKER_PORT === 'off' ? null : int(env, 'WASLA_WORKER_PORT', 9464, 0, 65535),
    metricsHost: env.WASLA_METRICS_HOST || env.WASLA_HOST || '127.0.0.1',
    metricsPort: env.WASLA_METRICS_PORT === undefined || env.WASLA_METRICS_PORT === '' || env.WASLA_METRICS_PORT === 'off' ? null : int(env, 'WASLA_METRICS_PORT', 0, 0, 65535),
    metricsToken: metricsToken(env),
    logLevel: oneOf(env, 'WASLA_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxBodyBytes: int(env, 'WASLA_MAX_BODY_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    insecureAllowUnsigned: bool(env, 'WASLA_INSECURE_ALLOW_UNSIGNED', false),
    workerConcurrency: int(env, 'WASLA_WORKER_CONCURRENCY', 64, 1, 1024),
    leaseMs: int(env, 'WASLA_LEASE_MS', 60_000, 1000, 3_600_000),
    dispatchGatherMs: int(env, 'WASLA_DISPATCH_GATHER_MS', 20, 0, 1000),
    recordGatherMs: int(env, 'WASLA_RECORD_GATHER_MS', 5, 0, 1000),
    attemptTimeoutMs: int(env, 'WASLA_ATTEMPT_TIMEOUT_MS', 10_000, 100, 600_000),
    sweepIntervalMs: int(env, 'WASLA_SWEEP_INTERVAL_MS', 5_000, 50, 600_000),
    retentionBatch: int(env, 'WASLA_RETENTION_BATCH', 100, 0, 10_000),
    shutdownGraceMs: int(env, 'WASLA_SHUTDOWN_GRACE_MS', 15_000, 0, 600_000),
    queueName: env.WASLA_QUEUE_NAME || DEFAULT_QUEUE_NAME,
    dbPoolSize: int(env, 'WASLA_DB_POOL_SIZE', 10, 1, 200),
    recipientConcurrency: int(env, 'WASLA_RECIPIENT_CONCURRENCY', 16, 1, 1024),
    breakerFailures: int(env, 'WASLA_BREAKER_FAILURES', 5, 1, 1000),
    breakerOpenMs: int(env, 'WASLA_BREAKER_OPEN_MS', 30_000, 100, 3_600_000),
    intakeBacklogLimit: int(env, 'WASLA_INTAKE_BACKLOG_LIMIT', 200, 0, 10_000_000),
    intakeHoldMs: int(env, 'WASLA_INTAKE_HOLD_MS', 2000, 0, 60_000),
    inboxMaxWaitSeconds: int(env, 'WASLA_INBOX_MAX_WAIT_S', 30, 0, 300),
    inboxLeaseMs: int(env, 'WASLA_INBOX_LEASE_MS', 60_000, 1000, 3_600_000),
    inboxPollMs: int(env, 'WASLA_INBOX_POLL_MS', 1000, 50, 60_000),
    reconcileUnmatchedDays: int(env, 'WASLA_RECONCILE_UNMATCHED_DAYS', 10, 1, 3650),
    reconcileValueDateDays: int(env, 'WASLA_RECONCILE_VALUE_DATE_DAYS', 3, 0, 60),
    maxStatementBytes: int(env, 'WASLA_MAX_STATEMENT_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    indexSecret: indexSecret(env),
    ...payloadConfig(env),
    payloadRewrapIntervalMs: int(env, 'WASLA_PAYLOAD_REWRAP_INTERVAL_MS', 60_000, 50, 86_400_000),
    deadlineIntervalMs: int(env, 'WASLA_DEADLINE_INTERVAL_MS', 5_000, 50, 600_000),
    ...overrides,
  };
  if (cfg.mode === 'embedded' && cfg.role !== 'all') {
    throw new ConfigError('WASLA_ROLE', 'embedded mode runs api and worker in one process; use role "all" or set DATABASE_URL and REDIS_URL');
  }
  if (cfg.role !== 'worker' && !cfg.insecureAllowUnsigned && cfg.publicUrls.length === 0 && WILDCARD_HOSTS.has(cfg.host)) {
    throw new ConfigError(
      'WASLA_PUBLIC_URL',
      `the API listens on every address (WASLA_HOST=${cfg.host}), so it cannot tell the URL institutions sign; set WASLA_PUBLIC_URL to it (e.g. https://wasla.example)`,
    );
  }
  if (cfg.leaseMs <= cfg.attemptTimeoutMs) {
    throw new ConfigError('WASLA_LEASE_MS', `must exceed WASLA_ATTEMPT_TIMEOUT_MS (${cfg.attemptTimeoutMs}) so a live attempt never loses its lease`);
  }
  return cfg;
}
