import { createSecretKey } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { KafkaProducer } from '@pupitre/shared';
import { AgentsController } from './admin/agents.controller';
import { CannedController } from './admin/canned.controller';
import { RemunerationsController } from './admin/remunerations.controller';
import { AdminGuard } from './auth/admin.guard';
import { TokenService } from './auth/token.service';
import { VisitorGuard } from './auth/visitor.guard';
import { GATEWAY_CONFIG, GatewayConfig } from './config/env.validation';
import { DeskSessionService } from './desk/desk-session.service';
import { DeskController } from './desk/desk.controller';
import { DeskCommands } from './desk/desk-commands';
import { DeskGateway } from './desk/desk.gateway';
import { InstanceRegistration } from './desk/instance-registration.service';
import { FanoutService } from './fanout/fanout.service';
import { SocketHub } from './fanout/socket-hub';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { ConsumerStatus } from './kafka/consumer-status';
import { EventsConsumer } from './kafka/events.consumer';
import { RepliesConsumer } from './kafka/replies.consumer';
import { REQUEST_SINK, RequestClient } from './kafka/request.client';
import { VisitorMessagesController } from './sdk/visitor-messages.controller';
import { VisitorRateLimitGuard } from './sdk/visitor-rate-limit.guard';
import { VisitorsController } from './sdk/visitors.controller';
import { VisitorGateway } from './visitor-socket/visitor.gateway';

/** The only door: HTTP and sockets in, Kafka requests out. No database, no business state. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        JwtModule.register({
          // A key object, made once: given a string, jsonwebtoken tries to parse it as a PEM public
          // key on every call, fails, then makes a secret key (measured: 11% of the gateway's CPU).
          secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')),
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      controllers: [
        RepliesConsumer,
        EventsConsumer,
        AgentsController,
        CannedController,
        RemunerationsController,
        VisitorsController,
        VisitorMessagesController,
        DeskController,
        HealthController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: REQUEST_SINK, useFactory: () => new KafkaProducer(config, 'gateway-producer') },
        RequestClient,
        ConsumerStatus,
        TokenService,
        AdminGuard,
        VisitorGuard,
        VisitorRateLimitGuard,
        SocketHub,
        FanoutService,
        InstanceRegistration,
        DeskSessionService,
        DeskCommands,
        DeskGateway,
        VisitorGateway,
        ReadinessService,
      ],
    };
  }
}
