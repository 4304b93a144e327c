export { channelName, postgresOptions, quoteIdent, runMigrations, schemaOf, serviceDataSourceOptions, type PostgresSettings, type ServiceIdentityEnv } from './data-source.js';
export { GroupCommit } from './group-commit.js';
export { NotifiedLoop, type NotifiedLoopOptions } from './notified-loop.js';
export { PgListener, type PgListenerOptions } from './pg-listener.js';
export { OutboxMessage } from './outbox/outbox-message.entity.js';
export { OutboxRelay } from './outbox/outbox-relay.service.js';
export { OutboxService, outboxChannel, type OutgoingMessage } from './outbox/outbox.service.js';
export { PersistenceModule, type PersistenceModuleOptions } from './persistence.module.js';
export { SnakeNamingStrategy } from './snake-naming.strategy.js';
