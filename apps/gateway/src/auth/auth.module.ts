import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { KafkaModule } from '../kafka';
import { LimitsModule } from '../limits';
import { AdminGuard } from './admin.guard';
import { TokenRefreshController } from './token-refresh.controller';
import { TokenService } from './token.service';
import { VisitorGuard } from './visitor.guard';

/** Who is calling: the admin token, visitors' and agents' signed tokens, and their refresh paths. */
@Module({
  imports: [
    KafkaModule,
    LimitsModule,
    JwtModule.registerAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => ({
        // A key object, made once: given a string, jsonwebtoken tries to parse it as a PEM public
        // key on every call, fails, then makes a secret key (measured: 11% of the gateway's CPU).
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [TokenRefreshController],
  providers: [TokenService, AdminGuard, VisitorGuard],
  exports: [TokenService, AdminGuard, VisitorGuard],
})
export class AuthModule {}
