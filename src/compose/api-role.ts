/**
 * The api role: the replay guard, flow control, the authenticator, the Hono app and its listeners
 * (the operations listener of WASLA_METRICS_PORT first, so that a port already taken stops the start
 * with nothing served). At shutdown flow control lets held requests go on, then the listeners stop
 * taking requests and let those in progress finish.
 */
import { ConfigError } from '../errors.js';
import { createApp, createOperationsApp, isLoopbackHost, unsignedAuthenticator, type Authenticator, type RouteRegistrar } from '../api/index.js';
import { signatureAuthenticator } from '../api/signature-auth.js';
import { defaultPublicUrls } from '../api/public-url.js';
import { FlowControl } from '../intake/flow-control.js';
import { DatabaseReplayGuard, dueBacklog } from '../store/index.js';
import { answerSigner, ensureHubCertificate, HUB_INSTITUTION_ID, LayeredReplayGuard, MemoryReplayGuard, RedisReplayGuard, type ReplayGuard } from '../trust/index.js';
import { createServices } from '../services/index.js';
import type { Contracts } from '../routing/types.js';
import { VERSION } from '../version.js';
import { warnEvery10s, type Configuration } from './configuration.js';
import type { Lifecycle } from './lifecycle.js';
import { closeListener, listen } from './listen.js';
import type { Resources } from './resources.js';
import { pullingInstitutions, type Inbox } from './inbox.js';

export interface ApiRoleOptions {
  /** replaces the default authenticator (tests) */
  authenticate?: Authenticator;
  extraRoutes?: RouteRegistrar[];
  /** the pull inbox (compose/inbox.ts): its dispatcher for intake and replays, and the inbox service */
  inbox?: Inbox;
  /** puts the contract set in force on an admin's request (the hub's contract reload, started after this role) */
  reloadContracts?: (actor: string) => Promise<Contracts>;
}

export interface ApiRole {
  /** the API's base URL */
  url: string;
  /** the operations listener of WASLA_METRICS_PORT */
  operationsUrl?: string;
}

export async function startApiRole(c: Configuration, res: Resources, life: Lifecycle, o: ApiRoleOptions = {}): Promise<ApiRole> {
  const { cfg, log } = c;
  const flow =
    cfg.intakeBacklogLimit > 0
      ? new FlowControl({
          limit: cfg.intakeBacklogLimit,
          holdMs: cfg.intakeHoldMs,
          log,
          onHeld: () => res.metrics.intakeHeld.inc(),
          // one over the limit says "behind"; below it, the count is exact
          // deliveries waiting in the inbox of an institution that pulls (issue 22) wait for it,
          // not for the workers: like a paused recipient's, they never hold intake
          count: () => {
            const pulling = new Set(pullingInstitutions(c));
            return dueBacklog(
              res.db,
              [...c.contracts().institutions.keys()].filter((id) => !pulling.has(id)),
              cfg.intakeBacklogLimit + 1,
            );
          },
        })
      : undefined;
  if (flow) {
    flow.start();
    life.onStop('flow control', () => flow.stop());
  }

  // what request signatures must cover (issue 19.10): WASLA_PUBLIC_URL, else known once listening
  let publicUrls: readonly string[] = cfg.publicUrls;
  const authenticate: Authenticator =
    o.authenticate ??
    (cfg.insecureAllowUnsigned
      ? unsignedAuthenticator(c.contracts, 'unsigned-insecure')
      : signatureAuthenticator({
          resolver: res.resolver,
          replayGuard: replayGuard(c, res),
          contracts: c.contracts,
          maxAgeSeconds: cfg.signatureMaxAgeSeconds,
          clockSkewSeconds: cfg.signatureSkewSeconds,
          publicUrls: () => publicUrls,
        }));
  // the hub key signs answers to case queries (issue 24), as it signs deliveries
  let hubKey: ReturnType<typeof ensureHubCertificate>;
  try {
    hubKey = ensureHubCertificate(cfg.pkiDir, cfg.hubKeyType);
  } catch (err) {
    throw new ConfigError('WASLA_PKI_DIR', `the api needs the hub's signing key and certificate (hub.key.pem, hub.cert.pem) in ${cfg.pkiDir} to sign query answers: ${(err as Error).message}`);
  }
  const ops = res.operations;
  const { app } = createApp(
    {
      version: VERSION,
      mode: cfg.mode,
      maxBodyBytes: cfg.maxBodyBytes,
      maxStatementBytes: cfg.maxStatementBytes,
      services: createServices({
        db: res.db,
        contracts: c.contracts,
        dispatcher: o.inbox?.dispatcher ?? res.dispatcher,
        audit: res.audit,
        log,
        flow,
        maxBodyBytes: cfg.maxBodyBytes,
        inbox: o.inbox?.service,
        reloadContracts: o.reloadContracts,
        ...res.secrets,
        vault: res.vault,
        statements: { unmatchedAfterDays: cfg.reconcileUnmatchedDays, valueDateToleranceDays: cfg.reconcileValueDateDays, maxBytes: cfg.maxStatementBytes },
        observeStatement: (r) => {
          res.metrics.unmatchedEntries.inc(r.unmatchedEntries);
          res.metrics.statementsReconciled.inc({ flagged: String(r.flagged) });
        },
      }),
      contracts: c.contracts,
      metrics: res.metrics,
      log,
      authenticate,
      checks: ops.checks,
      sample: ops.sample,
      accepting: ops.accepting,
      metricsToken: cfg.metricsToken,
      signAnswer: answerSigner({ keyPem: hubKey.keyPem, serial: hubKey.serial }),
      trust: () => ({
        caCertPem: res.caCertPem,
        hubCertPems: res.certStore.listForInstitution(HUB_INSTITUTION_ID).then((rs) => rs.filter((r) => !r.revokedAt).map((r) => r.pem)),
      }),
    },
    o.extraRoutes,
    { metrics: cfg.metricsPort === null },
  );

  // health and metrics on a listener of their own (WASLA_METRICS_HOST:WASLA_METRICS_PORT)
  let operationsUrl: string | undefined;
  if (cfg.metricsPort !== null) {
    const opsApp = createOperationsApp({ mode: cfg.mode, ...ops, metrics: res.metrics, log, metricsToken: cfg.metricsToken });
    const l = await listen(opsApp.fetch, cfg.metricsHost, cfg.metricsPort, cfg.httpKeepAliveMs).catch((err: Error) => {
      throw new ConfigError('WASLA_METRICS_PORT', `cannot serve health and metrics on ${cfg.metricsHost}:${cfg.metricsPort} (${err.message})`);
    });
    life.onStop('operations listener', () => closeListener(l, cfg.shutdownGraceMs));
    operationsUrl = l.url;
  }

  const api = await listen(app.fetch, cfg.host, cfg.port, cfg.httpKeepAliveMs).catch((err: Error) => {
    throw new ConfigError('WASLA_PORT', `cannot listen on ${cfg.host}:${cfg.port} (${err.message}); give the hub a free port with WASLA_PORT or \`wasla start --port <n>\` (0 picks any free one)`);
  });
  life.onStop('api listener', () => {
    flow?.stop(); // held requests go on to be stored (or refused) while the listener drains
    return closeListener(api, cfg.shutdownGraceMs);
  });
  if (publicUrls.length === 0) publicUrls = defaultPublicUrls(api.url, isLoopbackHost(cfg.host));
  if (cfg.insecureAllowUnsigned) {
    log.warn({ variable: 'WASLA_INSECURE_ALLOW_UNSIGNED', loopback: isLoopbackHost(cfg.host) }, 'UNSIGNED INTAKE IS ON: anyone who can reach this port can send as any institution');
  }
  return { url: api.url, operationsUrl };
}

/**
 * Replayed signatures are refused by every api process: memory in front answers a replay to this
 * process without a round trip; behind it, Redis shared by all (server mode), or the database,
 * which keeps what memory forgets at a restart (embedded; issue 19.4).
 */
function replayGuard(c: Configuration, res: Resources): ReplayGuard {
  const memory = new MemoryReplayGuard({ maxEntries: 1_000_000 });
  if (res.sharedRedis) {
    return new LayeredReplayGuard(
      memory,
      new RedisReplayGuard(res.sharedRedis, { prefix: `${c.prefix}:replay:` }),
      warnEvery10s(c.log, 'Redis unreachable: replay guard degraded to this process until it returns'),
    );
  }
  return new LayeredReplayGuard(
    memory,
    new DatabaseReplayGuard(res.db, { onPurgeError: warnEvery10s(c.log, 'could not purge expired replay signatures; will try again') }),
    warnEvery10s(c.log, 'the database replay guard failed: replay guard degraded to this process'),
  );
}
