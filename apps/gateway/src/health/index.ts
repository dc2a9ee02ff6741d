export { HealthModule } from './health.module';
export { doorHealthAnswers, HEALTH_PATHS, healthAnswers } from './health-answers';
export type { HealthAnswer, HealthPath } from './health-answers';
export { HEALTH_COPY_INTERVAL_MS, HealthCopy, type HealthCopyHolder } from './health-copy';
export { ReadinessService } from './readiness.service';
