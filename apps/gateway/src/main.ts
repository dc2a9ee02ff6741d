import { INestApplication, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cors, { type CorsOptions } from 'cors';
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import { bootService, buildOpenApiDocument, runMain } from '@pupitre/shared';
import { AppModule } from './app.module';
import { VISITOR_TOKEN_HEADER } from './auth';
import { GATEWAY_CONFIG, GatewayConfig, loadGatewayConfig } from './config/env.validation';
import { DeskFeedLag } from './fanout';
import { bodyErrorHandler, HttpErrorFilter, listenOnSockets } from './http';
import { ConsumerStatus, ReplyPathProbe, RequestClient } from './kafka';
import { LimitedIoAdapter, loadShedder, shedAtTheDoor } from './limits';
import { GatewayMetrics, observeHttp, restoreLogContext } from './observability';

export const BODY_LIMIT = '64kb';

/**
 * Every answer's CORS, the load shedder's refusals included: the SDK on another origin must read when
 * to retry (503, 429) and its renewed token.
 */
const CORS: CorsOptions = { exposedHeaders: ['Retry-After', 'X-Request-Id', VISITOR_TOKEN_HEADER] };

/** HTTP and socket plumbing, installed before the app initialises. */
export function configureGateway(app: INestApplication): void {
  // First, so that the body parser's refusals (400, 413) reach a browser's web chat SDK as well.
  app.enableCors(CORS);
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  // req.ip honours X-Forwarded-For only from the proxies TRUST_PROXY names (rate limits per address).
  (app as NestExpressApplication).set('trust proxy', config.TRUST_PROXY);
  // Correlation id, access log and latency of every request, refusals of the body parser included.
  app.use(observeHttp(app.get(GatewayMetrics)));
  (app as NestExpressApplication).useBodyParser('json', { limit: BODY_LIMIT });
  // Right after the parser: its errors (broken JSON, too large) happen before Nest's routing.
  app.use(bodyErrorHandler());
  // The parser's callbacks lose the request's log context: enter it again.
  app.use(restoreLogContext());
  app.useGlobalFilters(new HttpErrorFilter());
  app.useWebSocketAdapter(new LimitedIoAdapter(app, config));
  // The document generated from the contracts' schemas (the same as docs/openapi.json).
  const document = buildOpenApiDocument() as OpenAPIObject;
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

export async function startGateway(env: NodeJS.ProcessEnv = process.env) {
  const config: GatewayConfig = loadGatewayConfig(env);
  const logger = new Logger('gateway');
  for (const warning of config.warnings) logger.warn(warning);
  const { app, server } = await bootService({
    service: 'gateway',
    kafka: config,
    module: AppModule.forRoot(config),
    groupId: `gateway-${config.GATEWAY_INSTANCE_ID}`,
    instanceId: config.GATEWAY_INSTANCE_ID,
    fromBeginning: false,
    configure: configureGateway,
  });
  app.get(ConsumerStatus).attach(server);
  app.get(ReplyPathProbe).start();
  const http = app.getHttpServer() as Server;
  // In front of Express (and of Socket.IO's engine): a request for an overloaded service is refused
  // before any work on it (limits/load-shedding.ts).
  shedAtTheDoor(
    http,
    loadShedder({
      client: app.get(RequestClient),
      feedLag: app.get(DeskFeedLag),
      metrics: app.get(GatewayMetrics),
      cors: cors(CORS),
    }),
  );
  // Node's listen(options), which Nest passes on: its typings know only a port there.
  const listen = app.listen.bind(app) as unknown as (options: ListenOptions) => Promise<unknown>;
  await listenOnSockets(http, listen, {
    port: config.PORT,
    backlog: config.HTTP_LISTEN_BACKLOG,
    sockets: config.HTTP_ACCEPT_SOCKETS,
  });
  http.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  const { port } = http.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  logger.log(
    `gateway ${config.GATEWAY_INSTANCE_ID} listening on ${url} (desk: ${url}/desk, API docs: ${url}/docs)`,
  );
  return { app, server, url };
}

if (require.main === module) runMain('gateway', startGateway);
