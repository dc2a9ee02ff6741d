import { Controller, Get, INestApplication, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { routeOf, type RouteOf, type RoutedApp } from './route-of';

@Controller('v1/visitor')
class VisitorRoutes {
  @Post('messages')
  post(): void {}

  @Get('conversations/:id/messages')
  messages(@Param('id') _id: string): void {}
}

@Controller()
class HealthRoutes {
  @Get('health/live')
  live(): void {}
}

@Module({ controllers: [VisitorRoutes, HealthRoutes] })
class RoutesModule {}

describe(routeOf.name, () => {
  let app: INestApplication;
  let route: RouteOf;

  beforeAll(async () => {
    // The gateway's own stack: Nest's routes on Express's router, initialised, never listening.
    app = await NestFactory.create(RoutesModule, new ExpressAdapter(), { logger: false });
    await app.init();
    route = routeOf(app.getHttpAdapter().getInstance() as RoutedApp);
  });

  afterAll(() => app.close());

  it.each([
    ['POST', '/v1/visitor/messages', '/v1/visitor/messages'],
    [
      'GET',
      '/v1/visitor/conversations/0b8f2c1e-1d7a-4c57-9a0e-3c9a4f3b2d11/messages',
      '/v1/visitor/conversations/:id/messages',
    ],
    ['GET', '/health/live', '/health/live'],
    // Express's router ignores case and a trailing slash unless told otherwise, and serves HEAD by GET.
    ['POST', '/V1/Visitor/Messages/', '/v1/visitor/messages'],
    ['HEAD', '/health/live', '/health/live'],
  ])('%s %s was for %s', (method, path, pattern) => {
    expect(route(method, path)).toBe(pattern);
  });

  it.each([
    ['GET', '/v1/visitor/messages'], // the path, by another method
    ['POST', '/v1/visitor/conversations/x/messages/more'],
    ['GET', '/nowhere'],
    ['GET', '/v1/visitor/conversations/%E0%A4%A/messages'], // not percent-encoding: Express answers 400
    ['POST', '/v1/visitor/conversations/%E0%A4%A/messages'], // and so whatever the method
  ])('%s %s was for no route: unmatched', (method, path) => {
    expect(route(method, path)).toBe('unmatched');
  });

  it("names Socket.IO's polls and upgrades, which its engine serves before the router", () => {
    expect(route('GET', '/socket.io/')).toBe('socket.io');
    expect(route('POST', '/socket.io/')).toBe('socket.io');
  });

  it('names every path unmatched for a router it cannot read', () => {
    expect(routeOf({})('POST', '/v1/visitor/messages')).toBe('unmatched');
    expect(routeOf({ router: { stack: [{ route: { path: '/a' } }] } })('GET', '/a')).toBe('unmatched');
  });
});
