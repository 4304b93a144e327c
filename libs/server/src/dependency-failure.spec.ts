import { DependencyUnavailableError, unavailableDependency } from './dependency-failure.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

describe('unavailableDependency', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['connect timeout', withCode('ETIMEDOUT')],
    ['admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown', withCode('57P02')],
    ['cannot connect now', withCode('57P03', 'the database system is shutting down')],
    ['connection exception class 08', withCode('08006')],
    ['terminated without a code', new Error('Connection terminated unexpectedly')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['TypeORM QueryFailedError', Object.assign(new Error('query failed'), { name: 'QueryFailedError', driverError: withCode('57P01') })],
    ['wrapped in a cause', new Error('loading failed', { cause: new Error('Connection terminated') })],
  ])('says the database is down on %s', (_, error) => {
    expect(unavailableDependency(error)).toBe('database');
  });

  it.each([
    ['a closed connection', named('ClosedConnectionError', 'closed connection')],
    ['no responders', named('NoResponders')],
    ['a request timeout', named('TimeoutError', 'timeout')],
    ['our client before connecting', new Error('NATS is not connected yet')],
  ])('says NATS is down on %s', (_, error) => {
    expect(unavailableDependency(error)).toBe('nats');
  });

  it('keeps the dependency of our own error', () => {
    expect(unavailableDependency(new DependencyUnavailableError('nats'))).toBe('nats');
  });

  it.each([
    ['a constraint violation', Object.assign(new Error('duplicate key'), { name: 'QueryFailedError', driverError: withCode('23505') })],
    ['invalid text', withCode('22021', 'invalid byte sequence for encoding "UTF8": 0x00')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a failed HTTP call to another service', new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') })],
    ['an HTTP call timing out', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['not an error', 'boom'],
    ['nothing', undefined],
  ])('leaves %s alone', (_, error) => {
    expect(unavailableDependency(error)).toBeUndefined();
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(unavailableDependency(a)).toBeUndefined();
  });
});
