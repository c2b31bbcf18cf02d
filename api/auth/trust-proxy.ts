import { BlockList, isIP } from 'node:net';
import { HeatScadaError } from '../../model/errors.ts';

// Which peers are reverse proxies whose X-Forwarded-For is believed (serve.trust_proxy). One trust
// function serves Fastify (request.ip: the login throttle, the audit source) and socket.io, whose
// handshake Fastify never sees, so both name the same client behind the same proxy.

/** false: nobody (the default); true: every peer; else the proxies' addresses, CIDRs or proxy-addr's names. */
export type TrustProxySetting = boolean | readonly string[];
/** Fastify's trustProxy function: whether the peer `hop` steps from this server is a trusted proxy. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** proxy-addr's (and so Fastify's) names for address ranges. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Compiles the setting; an entry that is no address, CIDR or range name fails naming its path. */
export function proxyTrust(setting: TrustProxySetting | undefined, at = '/serve/trust_proxy'): ProxyTrust {
  if (setting === undefined || typeof setting === 'boolean') {
    const all = setting === true;
    return () => all;
  }
  const trusted = new BlockList();
  setting.forEach((entry, k) => {
    for (const range of NAMED_RANGES[entry] ?? [entry]) {
      const [address, prefix, extra] = range.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? undefined : Number(prefix);
      const maxBits = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(prefix) && bits <= maxBits))) {
        throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `'${entry}' is no IP address, CIDR or one of ${Object.keys(NAMED_RANGES).join(', ')}`, `${at}/${k}`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) trusted.addAddress(address, type);
      else trusted.addSubnet(address, bits, type);
    }
  });
  return (address) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client's address as proxy-addr finds it: from the peer back along X-Forwarded-For, the
 * first address that is not a trusted proxy (or the farthest one, when all are).
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = [peer, ...header.split(',').map((a) => a.trim()).filter((a) => a.length > 0).reverse()];
  let hop = 0;
  while (hop < hops.length - 1 && trust(hops[hop], hop)) hop++;
  return hops[hop];
}
