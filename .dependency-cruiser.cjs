/**
 * The dependency rules of src/ (docs/design.md, "Layers and the dependency rule"), checked by
 * `npm run depcheck` and so by `npm test` and CI. Type-only imports count: a type is a dependency.
 * dependency-cruiser reads TypeScript through @swc/core (TypeScript 7 has no compiler API for it).
 */

/** the trust primitives the SDK is built on: signatures, digests, certificates — no key stores, resolvers, replay guards or files */
const TRUST_PRIMITIVES = '^src/trust/(errors|structured-fields|content-digest|message|algorithms|components|signature-base|http-signatures|profiles|plain-messages|pki|x509-asn1|types)\\.ts$';

/**
 * the offline verification of the record an auditor runs without the hub (issue 26): an audit
 * bundle and the origin evidence in it, and the pure hash of a chain entry they recompute
 */
const RECORD_VERIFICATION = '^src/record/(bundle|origin|errors)\\.ts$|^src/audit/(canonical-json|chain)\\.ts$';

/** what only the hub's server runs (the chain's pure hash excepted: a bundle's verifier recomputes it) */
const SERVER_CODE = '^src/(api|cli|compose|intake|queue|routing|schemas|services|store|workers)/|^src/audit/(?!(canonical-json|chain)\\.ts$)|^src/(hub|config|metrics|log|batcher|semaphore)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'The import graph is acyclic: a cycle makes two modules one, in two files.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'nothing-imports-the-http-edge',
      comment: 'src/api is the HTTP edge: only the composition root builds it; services and workers never see HTTP.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(api|compose)/|^src/hub\\.ts$' },
      to: { path: '^src/api/' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'src/cli is an entry point; nothing depends on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-entry-points-import-the-composition-root',
      comment: 'src/hub.ts and src/compose build the hub; only the CLI (and tests, the demo, the bench) start one.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(compose|cli)/|^src/hub\\.ts$' },
      to: { path: '^src/compose/|^src/hub\\.ts$' },
    },
    {
      name: 'adapters-know-no-hub-internals',
      comment: 'An adapter turns a message into a request and an answer into an outcome: it knows no store, queue, routing, worker, service or HTTP route.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(api|audit|cli|compose|intake|queue|routing|schemas|services|store|workers)/|^src/hub\\.ts$' },
    },
    {
      name: 'sdk-imports-only-trust-primitives',
      comment: "src/client is the SDK institutions run: it imports its own files, the trust primitives and the record's offline verification, nothing else of the hub.",
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: `^src/client/|${TRUST_PRIMITIVES}|${RECORD_VERIFICATION}` },
    },
    {
      name: 'sdk-reaches-no-server-code',
      comment: 'Not even through the trust primitives.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: SERVER_CODE, reachable: true },
    },
    {
      name: 'the-model-stands-alone',
      comment: 'src/federation (the federation model) and src/json (JSON values and pointers) import nothing of the hub but each other.',
      severity: 'error',
      from: { path: '^src/(federation|json)/' },
      to: { path: '^src/', pathNot: '^src/(federation|json)/' },
    },
    {
      name: 'the-audit-writer-stands-alone',
      comment: 'The store writes audit entries in its own statements through audit/writer.ts, which imports nothing of the hub, so store and audit never import each other in a cycle.',
      severity: 'error',
      from: { path: '^src/audit/writer\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'the-store-writes-audit-through-the-writer',
      comment: 'Sealing and verifying (audit/log.ts, sealer.ts) read the store; the store uses only the writer.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/audit/', pathNot: '^src/audit/writer\\.ts$' },
    },
    {
      name: 'services-know-no-edge',
      comment: 'A service is called by an edge (HTTP today, an inbox or a query API tomorrow) and knows none.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(api|cli|compose|workers)/|^src/hub\\.ts$' },
    },
    {
      name: 'the-queue-only-schedules',
      comment: 'The dispatcher port and its implementations know nothing of deliveries beyond a job.',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { path: '^src/(api|audit|cli|compose|intake|routing|schemas|services|store|workers|adapters)/|^src/hub\\.ts$' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tests|bench|scripts)/' },
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/store/migrations/' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};
