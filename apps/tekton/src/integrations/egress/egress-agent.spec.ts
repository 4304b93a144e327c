import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { egressAgent } from './egress-agent.js';
import { EgressPolicy, EgressRefused, NOTHING_ALLOWED, parseAllowedNetworks, type Resolve } from './egress-policy.js';

describe('egressAgent', () => {
  let server: Server;
  let port: number;
  let received: string[];
  // A name that resolves to loopback only when tekton connects (as a rebinding DNS server would answer).
  const rebinding: Resolve = async (host) => (host === 'rebound.test' ? [{ address: '127.0.0.1', family: 4 }] : []);

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => (received = []));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(policy: EgressPolicy, url: string) {
    const sut = egressAgent(policy);
    try {
      const response = await fetch(url, { method: 'POST', body: 'x', dispatcher: sut });
      await response.text();
      return response.status;
    } catch (error) {
      return (error as { cause?: unknown }).cause;
    } finally {
      await sut.destroy();
    }
  }

  it('refuses to connect to a name resolving to a refused address, checking the answer used for the socket', async () => {
    const cause = await post(new EgressPolicy(NOTHING_ALLOWED, rebinding), `http://rebound.test:${port}/hook`);
    expect(cause).toBeInstanceOf(EgressRefused);
    expect((cause as Error).message).toBe('host rebound.test resolves to a loopback address, which is not allowed');
    expect(received).toEqual([]);
  });

  it('refuses IP literals, which sockets never look up', async () => {
    const cause = await post(new EgressPolicy(NOTHING_ALLOWED, rebinding), `http://127.0.0.1:${port}/hook`);
    expect((cause as Error).message).toBe('address 127.0.0.1 is not allowed (loopback)');
    expect(received).toEqual([]);
  });

  it('connects to the resolved address when the operator allows it', async () => {
    const policy = new EgressPolicy(parseAllowedNetworks('127.0.0.0/8'), rebinding);
    expect(await post(policy, `http://rebound.test:${port}/by-name`)).toBe(200);
    expect(await post(policy, `http://127.0.0.1:${port}/by-address`)).toBe(200);
    expect(received).toEqual(['/by-name', '/by-address']);
  });
});
