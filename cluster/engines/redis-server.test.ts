import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../tests/helpers/ports.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

/** Sends one inline command and returns the first reply line. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
    socket.once('data', (b) => {
      socket.destroy();
      resolve(b.toString().split('\r\n')[0]);
    });
    socket.once('error', reject);
  });
}

describe('redis-server on loopback', () => {
  let server: RedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('starts, answers, and is gone after stop (the port refuses)', async () => {
    const port = await freePort();
    server = await startRedisServer(port);
    expect(server.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await command(port, 'SET k v')).toBe('+OK');
    expect(await command(port, 'GET k')).toBe('$1');
    await server.stop();
    await expect(command(port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a port already taken is a clear error, not a hang', async () => {
    const port = await freePort();
    server = await startRedisServer(port);
    await expect(startRedisServer(port)).rejects.toThrow(/did not start/);
  });
});
