import net from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago. node-opcua cannot be told to listen on
 * port 0 and report the port back reliably, so tests pick one first and pass it in.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
