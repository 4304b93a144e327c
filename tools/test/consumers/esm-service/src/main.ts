// Another team's ESM TypeScript service, built against the packed @kaa/* packages only (see
// tools/test/packages.int-spec.ts). It reports what it sees as JSON lines on stdout.
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NatsModule } from '@kaa/nats';
import { ObservabilityModule } from '@kaa/observability';
import { configRequestCodec, messageCatalogue, ProtocolDecodeError, type ConfigRequestInput } from '@kaa/protocols';
import { AppConfigSource, TektonClientModule } from '@kaa/tekton-client';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

// 6/CDTP: decode what the reference schema encoded, encode for the reference schema to decode.
const fromReference = configRequestCodec.decode(Buffer.from(env('REFERENCE_CONFIG_REQUEST'), 'base64'));
const request: ConfigRequestInput = { correlationId: 'esm-1', timestamp: 1_700_000_000_000, appVersionName: 'kettle-v1', endpointId: 'ep-esm', configName: 'night' };
let garbageRefused = false;
try {
  configRequestCodec.decode(Uint8Array.of(0xff, 0xff));
} catch (error) {
  garbageRefused = error instanceof ProtocolDecodeError;
}
const schemaFile = `@kaa/protocols/schemas/${messageCatalogue.configRequest.schemaName}.avsc`;
const shippedSchema: unknown = JSON.parse(await readFile(fileURLToPath(import.meta.resolve(schemaFile)), 'utf8'));
say({ kind: 'codec', fromReference, encoded: Buffer.from(configRequestCodec.encode(request)).toString('base64'), garbageRefused, shippedSchema });

// The tekton consumer kit: read this instance's configuration, then follow 17/SCMP notices.
const replicaId = `esm-${process.pid}`;
@Module({
  imports: [
    ObservabilityModule.forRoot({ service: 'esm-consumer', instance: env('INSTANCE'), replicaId, level: 'silent' }),
    NatsModule.forRoot({ servers: env('NATS_URL'), instanceName: env('INSTANCE'), replicaId, service: 'esm-consumer' }),
    TektonClientModule.forRoot({
      tektonUrl: env('TEKTON_URL'),
      instanceName: env('INSTANCE'),
      tektonInstance: env('TEKTON_INSTANCE'),
      tokenUrl: env('TOKEN_URL'),
      clientId: env('CLIENT_ID'),
      clientSecret: env('CLIENT_SECRET'),
      startTimeoutMs: 20_000,
    }),
  ],
})
class ConsumerModule {}

const app = await NestFactory.createApplicationContext(ConsumerModule, { logger: false });
const source = app.get(AppConfigSource);
source.onChange((change) => say({ kind: 'change', change, tree: source.current() }));
say({ kind: 'config', tree: source.current() });

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
