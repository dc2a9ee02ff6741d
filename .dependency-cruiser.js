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
    { name: 'no-circular', severity: 'error', from: { path: '^(apps|libs)/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^dist/' },
  },
};
