// A redis-server of Debian's on loopback, started as a child process and stopped by its pid:
// the coordinator that `npm run cluster:local`, the cluster benchmark and the tests start for
// themselves. It saves nothing to disk: it lives as long as the run that started it (a
// production Redis keeps its append-only file: it holds the brokers' sessions).

import net from 'node:net';
import { startChildServer, type ChildServer } from './child-server.ts';

export interface RedisServer extends ChildServer {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
}

/** Starts redis-server on 127.0.0.1:port; resolves when it answers, as itself. */
export async function startRedisServer(port: number): Promise<RedisServer> {
  const server = await startChildServer({
    name: `redis-server on 127.0.0.1:${port}`,
    binary: '/usr/bin/redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'],
    install: 'apt-get install redis-server',
    answersAsItself: (pid) => answersAs(port, pid),
    readyTimeoutMs: 10_000,
    pollMs: 50,
  });
  return { ...server, port, url: `redis://127.0.0.1:${port}` };
}

/** True when the server on the port is this child (a port already taken answers too, as another process). */
function answersAs(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    let reply = '';
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (b) => {
      reply += b.toString();
      if (reply.includes('\r\nprocess_id:')) done(new RegExp(`\r\nprocess_id:${pid}\r\n`).test(reply));
    });
  });
}
