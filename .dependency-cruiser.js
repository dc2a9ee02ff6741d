/** Boundaries of the monorepo, checked by `npm run lint` (see STYLE.md). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'A domain/ folder holds pure rules: no framework, ORM, driver, nor the shared barrel that loads them.',
      severity: 'error',
      from: { path: '(^|/)domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: ['node_modules/(@nestjs|typeorm|kafkajs|pg|socket\\.io|rxjs|express)/', '^libs/shared/src/index\\.ts$'],
      },
    },
    {
      name: 'apps-are-independent',
      comment: 'Services talk over Kafka only: no app imports another app.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'shared-imports-no-app',
      comment: 'libs/shared is below every app.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'feature-boundaries',
      comment:
        'A feature folder (apps/<app>/src/<feature>/) is used by other features only through its index.ts or ' +
        '<feature>.module.ts, never through its internal files. config/ and migrations/ are app-level, not features.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/src/([^/]+)/', pathNot: '^apps/[^/]+/src/(config|migrations)/' },
      to: {
        path: '^apps/$1/src/[^/]+/.',
        pathNot: [
          '^apps/$1/src/$2/',
          '^apps/$1/src/(config|migrations)/',
          '^apps/$1/src/([^/]+)/(index|\\1\\.module)\\.ts$',
        ],
      },
    },
    {
      name: 'app-level-uses-feature-surface',
      comment:
        'App-level files (main.ts, app.module.ts, config/, migrations/) reach a feature only through its ' +
        'index.ts or <feature>.module.ts.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/src/([^/]+\\.ts$|(config|migrations)/)' },
      to: {
        path: '^apps/$1/src/[^/]+/.',
        pathNot: ['^apps/$1/src/(config|migrations)/', '^apps/$1/src/([^/]+)/(index|\\1\\.module)\\.ts$'],
      },
    },
    {
      name: 'sdk-stands-alone',
      comment:
        '@pupitre/sdk is published on its own: at run time it uses socket.io-client and nothing else, and no ' +
        'monorepo code (the contracts are checked as types in libs/sdk/checks).',
      severity: 'error',
      from: { path: '^libs/sdk/src/', pathNot: '\\.spec\\.ts$' },
      to: { path: ['^libs/shared/', '^apps/', 'node_modules/'], pathNot: 'node_modules/(socket\\.io-client|engine\\.io-client|@socket\\.io/component-emitter|socket\\.io-parser|engine\\.io-parser|debug|ms|ws|xmlhttprequest-ssl)/' },
    },
    {
      name: 'web-takes-only-contract-types',
      comment:
        'The desk and demo pages (web/) run in a browser: from the repository they take the SDK (libs/sdk/src) ' +
        'and types from libs/shared/src/contracts (the shared barrel loads TypeORM and kafkajs).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(apps|libs)/', pathNot: ['^libs/shared/src/contracts/', '^libs/sdk/src/'] },
    },
    {
      name: 'web-imports-types-only',
      comment: 'Nothing of libs/shared is bundled into the pages: type imports only.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^libs/shared/', dependencyTypesNot: ['type-only'] },
    },
    { name: 'no-circular', severity: 'error', from: { path: '^(apps|libs|web)/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^dist/' },
  },
};
