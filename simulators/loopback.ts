// What counts as this machine only: the admin endpoint takes loopback peers addressing it by a
// loopback name, and an OPC UA server may go unsecured only on a loopback address.

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/** A loopback address, or localhost: a name only this machine resolves to itself. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopback(host);
}

/** The host of an HTTP Host header (`127.0.0.1:8091`, `[::1]:8091`, `localhost`), without the port. */
export function hostOfHeader(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1]!;
  const colon = header.lastIndexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}
