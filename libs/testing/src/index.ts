export { DevIssuer, type DevClient, type MintClaims } from './dev-issuer.js';
export { dropSchema, eventually, outboxDrained, query, removeOnExit, testDatabaseUrl, testNatsUrl, uniqueName, writeTempFile } from './test-env.js';
export { NatsServerProcess, freePort, natsServerBinary, type NatsFault, type NatsServerOptions } from './nats-server.js';
export { TcpProxy } from './tcp-proxy.js';
export { fuzzHttp, openApiRoutes, seededRandom, type FuzzFailure, type FuzzRoute, type HttpFuzzOptions, type HttpFuzzResult } from './http-fuzz.js';
