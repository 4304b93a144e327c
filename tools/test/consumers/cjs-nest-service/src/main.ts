// Another team's CommonJS NestJS service (no "type": "module"; compiled to require() calls),
// built against the packed @kaa/* packages only, with the lowest NestJS and NATS client versions
// the packages' peer ranges allow (see tools/test/packages.int-spec.ts). JSON lines on stdout.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { configRequestCodec, watch } from '@kaa/protocols';
import { WatchEventConsumer, WatchEventHandler, WatchListenerModule, type WatchEvent, type WatchEventContext } from '@kaa/watch-listener';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

@Injectable()
class PrintingHandler extends WatchEventHandler {
  handle(event: WatchEvent, context: WatchEventContext): void {
    say({ kind: 'event', event, subject: context.subject, deliveryCount: context.deliveryCount });
  }
}

const replicaId = `cjs-${process.pid}`;

@Module({
  imports: [
    ObservabilityModule.forRoot({ service: 'cjs-consumer', instance: env('INSTANCE'), replicaId, level: 'silent' }),
    NatsModule.forRoot({ servers: env('NATS_URL'), instanceName: env('INSTANCE'), replicaId, service: 'cjs-consumer' }),
    WatchListenerModule.forRoot({ watcherInstance: env('WATCHER_INSTANCE'), component: env('COMPONENT'), durableName: env('DURABLE'), handler: PrintingHandler, bindRetryMs: 200 }),
  ],
})
class ConsumerModule {}

async function main() {
  const roundTrip = configRequestCodec.decode(configRequestCodec.encode({ correlationId: 'cjs-1', timestamp: 1, appVersionName: 'kettle-v1', endpointId: 'ep-cjs' }));
  const app = await NestFactory.createApplicationContext(ConsumerModule, { logger: false });
  await app.get(WatchEventConsumer).ready();
  say({ kind: 'ready', commonjs: typeof module === 'object' && typeof require === 'function', roundTrip, subject: watch.changed(env('WATCHER_INSTANCE'), env('COMPONENT')) });
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
