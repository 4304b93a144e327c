import { DynamicModule, Module } from '@nestjs/common';
import { ConfigsModule } from '../configs/configs.module.js';
import { PurgeService } from '../lifecycle/purge.service.js';
import { CdtpRequestHandler } from './cdtp-request.handler.js';
import { CdtpService } from './cdtp.service.js';
import { CDTP_CONSUMERS, ConfigAppliedHandler } from './config-applied.handler.js';
import { LifecycleHandler } from './lifecycle.handler.js';

/** Everything ECR receives over NATS; HistoryModule is global (imported by the root module). */
@Module({})
export class MessagingModule {
  static forRoot(options: { consumers: readonly string[] }): DynamicModule {
    return {
      module: MessagingModule,
      imports: [ConfigsModule],
      providers: [
        CdtpService,
        CdtpRequestHandler,
        ConfigAppliedHandler,
        LifecycleHandler,
        PurgeService,
        { provide: CDTP_CONSUMERS, useValue: options.consumers },
      ],
    };
  }
}
