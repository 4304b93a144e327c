import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent, buildConnector } from 'undici';
import { parseIp } from './address-ranges.js';
import { EgressRefused, type EgressPolicy } from './egress-policy.js';

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici dispatcher that connects only where the policy allows, judged on the address the
 * socket is actually opened to: a host name is resolved at connect time and only its allowed
 * addresses are handed to the socket (so a name re-pointed at 127.0.0.1 after it was stored is
 * refused), and an IP literal, which sockets never look up, is checked before connecting.
 * Errors reach fetch as the `cause` of its TypeError, as an EgressRefused.
 */
export function egressAgent(policy: EgressPolicy): Agent {
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    policy
      .resolve(hostname)
      .then((resolved) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = policy.allowedAddresses(hostname, family ? resolved.filter((a) => a.family === family) : resolved);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      })
      .catch((error: Error) => callback(error, ''));
  };
  const connector = buildConnector({ lookup } as buildConnector.BuildOptions);
  return new Agent({
    connect: (options, callback) => {
      const refusal = parseIp(options.hostname) ? policy.addressRefusal(options.hostname) : undefined;
      if (refusal) callback(new EgressRefused(refusal), null);
      else connector(options, callback);
    },
  });
}
