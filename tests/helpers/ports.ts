import net from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago. node-opcua cannot be told to listen on
 * port 0 and report the port back reliably, so tests pick one first and pass it in. It is drawn
 * below Linux's ephemeral range (32768–60999): a port the kernel handed out for a listener
 * could be handed out again, before the server binds it, as the local end of some outgoing
 * connection (a test's many clients), and the server would then fail with EADDRINUSE.
 */
const LOW = 20_000;
const HIGH = 32_767;
const taken = new Set<number>();

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (taken.has(port)) continue;
    if (await tryListen(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} after 200 tries`);
}
