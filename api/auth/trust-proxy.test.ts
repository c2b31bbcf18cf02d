import { describe, expect, it } from 'vitest';
import { clientAddress, proxyTrust } from './trust-proxy.ts';

describe('proxyTrust and clientAddress', () => {
  it('without a setting (or false) believes no header: the peer is the client', () => {
    for (const trust of [proxyTrust(undefined), proxyTrust(false)]) expect(clientAddress('10.0.0.5', '203.0.113.7', trust)).toBe('10.0.0.5');
  });

  it('true believes every hop: the farthest address is the client', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.1, 203.0.113.7', proxyTrust(true))).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.5', undefined, proxyTrust(true))).toBe('10.0.0.5');
  });

  it('a list stops at the first hop that is not a listed proxy, so a client cannot forge its address', () => {
    const trust = proxyTrust(['10.0.0.0/24', '2001:db8::1', 'loopback']);
    expect(clientAddress('10.0.0.5', '203.0.113.7', trust)).toBe('203.0.113.7');
    // The client wrote 198.51.100.1 itself; the listed proxy added what it saw, 203.0.113.7.
    expect(clientAddress('10.0.0.5', ['198.51.100.1', '203.0.113.7'], trust)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', '10.0.0.9, 203.0.113.7', trust)).toBe('203.0.113.7');
    expect(clientAddress('2001:db8::1', '203.0.113.8', trust)).toBe('203.0.113.8');
    expect(clientAddress('192.0.2.50', '203.0.113.7', trust)).toBe('192.0.2.50');
    expect(clientAddress('10.0.0.5', '', trust)).toBe('10.0.0.5');
  });

  it.each([['proxy.example'], ['10.0.0.0/33'], ['10.0.0.0/8/8'], ['::1/129'], ['10.0.0.0/x']])('refuses %s naming the entry', (entry) => {
    expect(() => proxyTrust(['127.0.0.1', entry])).toThrow(/HS_ERR_CONFIG_INVALID.*at \/serve\/trust_proxy\/1/);
  });
});
