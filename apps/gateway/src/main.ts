import { INestApplication, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cors, { type CorsOptions } from 'cors';
import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootService, buildOpenApiDocument, closingOnFailure, runMain, ServiceHealth } from '@pupitre/shared';
import { AppModule } from './app.module';
import { VISITOR_TOKEN_HEADER } from './auth';
import { GATEWAY_CONFIG, GatewayConfig, loadGatewayConfig } from './config/env.validation';
import { DESKS_BEHIND, DeskFeedLag } from './fanout';
import { doorHealthAnswers, HEALTH_PATHS, HealthCopy, healthAnswers, ReadinessService } from './health';
import {
  bodyErrorHandler,
  DoorState,
  type DoorThread,
  HttpErrorFilter,
  listenOnSockets,
  serveHopped,
  startDoorThread,
  type HealthThread,
  startHealthThread,
} from './http';
import { ConsumerStatus, overloadedMessage, ReplyPathProbe, RequestClient } from './kafka';
import { doorView, LimitedIoAdapter, loadShedder, RefusingPriority, shedAtTheDoor } from './limits';
import {
  countDoorRefusals,
  countThreadProbes,
  GatewayMetrics,
  observeHttp,
  restoreLogContext,
  routeOf,
  type RoutedApp,
} from './observability';

/** The largest JSON body the gateway reads (64 KiB). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Every answer's CORS, the load shedder's refusals included: the SDK on another origin must read when
 * to retry (503, 429) and its renewed token.
 */
const CORS: CorsOptions = { exposedHeaders: ['Retry-After', 'X-Request-Id', VISITOR_TOKEN_HEADER] };
/** The main thread keeps GATEWAY_REFUSING_NICE this long after the door's last refusal. */
const REFUSING_HOLD_MS = 1000;

/** HTTP and socket plumbing, installed before the app initialises. */
export function configureGateway(app: INestApplication): void {
  // First, so that the body parser's refusals (400, 413) reach a browser's web chat SDK as well.
  app.enableCors(CORS);
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  // req.ip honours X-Forwarded-For only from the proxies TRUST_PROXY names (rate limits per address).
  (app as NestExpressApplication).set('trust proxy', config.TRUST_PROXY);
  // Correlation id, access log and latency of every request, refusals of the body parser included.
  app.use(observeHttp(app.get(GatewayMetrics)));
  (app as NestExpressApplication).useBodyParser('json', { limit: BODY_LIMIT_BYTES });
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
  const priority = new RefusingPriority({ nice: config.GATEWAY_REFUSING_NICE, holdMs: REFUSING_HOLD_MS });
  http.once('close', () => priority.close());
  // In front of Express (and of Socket.IO's engine): a request for an overloaded service is refused
  // before any work on it (limits/load-shedding.ts).
  shedAtTheDoor(
    http,
    loadShedder({
      client: app.get(RequestClient),
      feedLag: app.get(DeskFeedLag),
      metrics: app.get(GatewayMetrics),
      cors: cors(CORS),
      priority,
    }),
  );
  // Node's listen(options), which Nest passes on: its typings know only a port there.
  const listen = app.listen.bind(app) as unknown as (options: ListenOptions) => Promise<unknown>;
  // The probes' answers, for the threads that give them without this thread's loop (the door thread,
  // the health thread): stopped as the server starts closing, after which the app answers them.
  const readiness = app.get(ReadinessService);
  const health = app.get(ServiceHealth);
  const healthCopy = new HealthCopy(() => doorHealthAnswers(healthAnswers(readiness, health)));
  const probes = config.HEALTH_PORT < 0 ? undefined : new ProbesPort(http, healthCopy);
  const listening = await closingOnFailure(app, logger, async (): Promise<Listening> => {
    const main = config.HTTP_DOOR_THREAD
      ? await listenBehindDoorThread(app, config, http, listen, healthCopy)
      : await listenOnPort(http, config, listen);
    if (!probes) return main;
    return { ...main, healthPort: await probes.listen(app, config, main.upstream) };
  });
  const url = `http://localhost:${listening.port}`;
  logger.log(
    `gateway ${config.GATEWAY_INSTANCE_ID} listening on ${url} with ${listening.sockets} socket(s) ` +
      `(desk: ${url}/desk, API docs: ${url}/docs)` +
      (listening.healthPort === undefined
        ? ''
        : `; probes on http://localhost:${listening.healthPort}/health/…`),
  );
  return {
    app,
    server,
    url,
    ...(listening.healthPort === undefined ? {} : { healthUrl: `http://localhost:${listening.healthPort}` }),
  };
}

/**
 * The public port, how many sockets listen on it (http/listen.ts), where this thread's server takes
 * requests from another thread (a Unix socket behind the door thread, else the port itself), and the
 * probes' port (HEALTH_PORT), if any.
 */
interface Listening {
  port: number;
  sockets: number;
  upstream: HealthThreadUpstream;
  healthPort?: number;
}

type HealthThreadUpstream = { socketPath: string } | { host: string; port: number };

/** The default door: this thread's server on the public port. */
async function listenOnPort(
  http: Server,
  config: GatewayConfig,
  listen: (options: ListenOptions) => Promise<unknown>,
): Promise<Listening> {
  const sockets = await listenOnSockets(http, listen, {
    port: config.PORT,
    backlog: config.HTTP_LISTEN_BACKLOG,
    sockets: config.HTTP_ACCEPT_SOCKETS,
  });
  http.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  const { address, port } = http.address() as AddressInfo;
  return { port, sockets, upstream: { host: loopbackOf(address), port } };
}

/** An address to reach a server listening on `address` from this host. */
function loopbackOf(address: string): string {
  if (address === '::') return '::1';
  if (address === '0.0.0.0') return '127.0.0.1';
  return address;
}

/**
 * HEALTH_PORT: the probes on a port of their own, answered by a thread of their own from the copy
 * (http/health-thread.ts), so that they do not wait for this thread's loop. `/metrics` is served
 * there too, by the app. The server's close (wrapped here, whoever calls it first) stops the copy,
 * closes this server, then ends the thread (one still starting, once it has), and calls back once all
 * of it is done; inside the door thread's close, if any, which stops accepting first and drains after.
 */
class ProbesPort {
  private thread: Promise<HealthThread> | undefined;
  private closed: Promise<Error | undefined> | undefined;

  constructor(
    private readonly http: Server,
    private readonly healthCopy: HealthCopy,
  ) {
    const closeServer = http.close.bind(http);
    http.close = (callback?: (err?: Error) => void) => {
      this.closed ??= (async () => {
        healthCopy.stop();
        const err = await new Promise<Error | undefined>((resolve) => closeServer(resolve));
        await (await this.thread?.catch(() => undefined))?.close();
        return err;
      })();
      void this.closed.then((err) => callback?.(err));
      return http;
    };
  }

  /** Starts the thread once the app listens (`upstream`); its port. */
  async listen(
    app: INestApplication,
    config: GatewayConfig,
    upstream: HealthThreadUpstream,
  ): Promise<number> {
    const logger = new Logger('HealthThread');
    const metrics = app.get(GatewayMetrics);
    this.thread = startHealthThread(
      {
        port: config.HEALTH_PORT,
        upstream,
        probes: HEALTH_PATHS,
        handedOn: ['/metrics'],
        exposedHeaders: (CORS.exposedHeaders as string[]).join(','),
        nice: config.HEALTH_THREAD_NICE,
      },
      {
        // Counted as the app counts those it serves itself.
        onProbes: countThreadProbes(metrics),
        onWarning: (message) => logger.warn(message),
        // Without it an orchestrator's probes fail: stop, and let the supervisor start the gateway again.
        onFailure: (err) => {
          logger.error(`the health thread failed: ${err.stack ?? err.message}; stopping`);
          process.kill(process.pid, 'SIGTERM');
        },
      },
    );
    const thread = await this.thread;
    // The server closed while the thread started (a SIGTERM at boot): its close ends the thread.
    if (this.closed) throw new Error('the gateway closed while its health thread started');
    metrics.healthThreadNice(thread.nice);
    this.healthCopy.add({ publish: (answers) => thread.publish(answers), stamp: (now) => thread.stamp(now) });
    return thread.port;
  }
}

/** How often the door thread's view is refreshed besides every change of what is in flight. */
const DOOR_VIEW_INTERVAL_MS = 20;

/**
 * HTTP_DOOR_THREAD: the public port on a thread of its own (http/door-thread.ts), this thread's HTTP
 * server on a Unix socket in a private directory behind it. The door's view is published at every
 * request sent or settled, and every 20 ms (the desk feed's lag and the rates move with time). The
 * server's close stops the thread accepting first, then closes this server, then ends the thread.
 */
async function listenBehindDoorThread(
  app: INestApplication,
  config: GatewayConfig,
  http: Server,
  listen: (options: ListenOptions) => Promise<unknown>,
  healthCopy: HealthCopy,
): Promise<Listening> {
  const logger = new Logger('DoorThread');
  const client = app.get(RequestClient);
  const feedLag = app.get(DeskFeedLag);
  const metrics = app.get(GatewayMetrics);
  const dir = await mkdtemp(join(tmpdir(), 'pupitre-gateway-'));
  let tick: NodeJS.Timeout | undefined;
  let door: DoorThread;
  try {
    const socketPath = join(dir, 'http.sock');
    // The door thread connects here for every request it hands on as a request (a burst of desks
    // reconnecting, say): past the queue's length a Unix socket refuses at once (EAGAIN), where a TCP
    // one would have the client try again. Node's 511 was full at a burst of 2,000 (session 55).
    await listen({ path: socketPath, backlog: config.HTTP_LISTEN_BACKLOG });
    // Every connection here is the door thread's, kept open for as long as it likes.
    http.keepAliveTimeout = 0;
    const state = new DoorState();
    const publish = () => state.publish(doorView({ client, feedLag }));
    publish();
    client.onInFlightChange = publish;
    door = await startDoorThread(
      {
        socketPath,
        port: config.PORT,
        backlog: config.HTTP_LISTEN_BACKLOG,
        sockets: config.HTTP_ACCEPT_SOCKETS,
        keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        bodyLimitBytes: BODY_LIMIT_BYTES,
        nice: config.HTTP_DOOR_THREAD_NICE,
        fifo: config.HTTP_DOOR_THREAD_FIFO,
        secret: randomBytes(32).toString('hex'),
        state: state.buffer,
        refusal: {
          messages: { overloaded: overloadedMessage('conversation'), 'desks-behind': DESKS_BEHIND },
          exposedHeaders: (CORS.exposedHeaders as string[]).join(','),
        },
      },
      {
        serve: (request, answer) => serveHopped(http, request, answer),
        onRefusals: countDoorRefusals({
          metrics,
          client,
          feedLag,
          routeOf: routeOf(app.getHttpAdapter().getInstance() as RoutedApp),
        }),
        onWarning: (message) => logger.warn(message),
        // Without the thread nothing reaches this gateway: stop, and let the supervisor start it again.
        onFailure: (err) => {
          logger.error(`the door thread failed: ${err.stack ?? err.message}; stopping`);
          process.kill(process.pid, 'SIGTERM');
        },
      },
    );
    metrics.doorThreadPriority(door.priority);
    // The probes' answers, worked out at each tick and sent to the thread when one changes; the stamp
    // tells the thread its copy is fresh (http/door-health.ts). None once the server starts closing.
    const thread = door;
    healthCopy.add({
      publish: (answers) => thread.publishHealth(answers),
      stamp: (now) => state.stampHealth(now),
    });
    tick = setInterval(publish, DOOR_VIEW_INTERVAL_MS);
    tick.unref();
  } catch (err) {
    // A socket or a thread that cannot listen (the port taken, say) leaves neither the timer nor the
    // private directory; the caller closes the app, and this server with it.
    clearInterval(tick);
    client.onInFlightChange = undefined;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const closeMain = http.close.bind(http);
  let closed: Promise<Error | undefined> | undefined;
  // Once, whoever calls it first (Nest, Socket.IO); every caller is called back when it is done.
  http.close = (callback?: (err?: Error) => void) => {
    closed ??= (async () => {
      clearInterval(tick);
      healthCopy.stop();
      await door.stopAccepting();
      // Node closes the idle connections once, at close: the thread's others as their answers end.
      const idle = setInterval(() => http.closeIdleConnections(), 500);
      const err = await new Promise<Error | undefined>((resolve) => closeMain(resolve));
      clearInterval(idle);
      // The visitor messages it admitted come as messages, not connections: answered before it ends.
      await door.drained();
      await door.terminate();
      await rm(dir, { recursive: true, force: true });
      return err;
    })();
    void closed.then((err) => callback?.(err));
    return http;
  };
  return { port: door.port, sockets: door.sockets, upstream: { socketPath: join(dir, 'http.sock') } };
}

if (require.main === module) runMain('gateway', startGateway);
