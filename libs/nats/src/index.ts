export { NatsClient, natsHeadersFrom, type HandlerOutcome, type InboundMessage, type NatsConnectionIdentity, type SubscribeOptions } from './nats-client.service.js';
export { NATS_OPTIONS, NatsHeaders, type NatsModuleOptions } from './nats.options.js';
export { NatsModule } from './nats.module.js';
export { NatsCredentialsError, natsAuthOptions, natsCredentialsFromEnv, type NatsCredentials } from './nats-credentials.js';
