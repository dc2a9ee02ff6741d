export { HealthModule } from './health.module';
export { doorHealthAnswers, HEALTH_PATHS, healthAnswers } from './health-answers';
export type { HealthAnswer, HealthPath } from './health-answers';
export { ReadinessService } from './readiness.service';
