// The shared Modbus TCP link against real sockets: what a request leaves behind once answered,
// and what a request waiting for its answer gets when the link goes.

import net from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ServerTCP } from 'modbus-serial';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../tests/helpers/ports.ts';
import { acquireLink, LinkDownError, type ModbusLink } from './connection.ts';

const silent = pino({ level: 'silent' });
const RECONNECT = { initial_delay_ms: 50, max_delay_ms: 50 };
/** modbus-serial keeps the callback of each of its 256 transaction ids until the id comes round again. */
const MODBUS_SERIAL_TRANSACTIONS = 256;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** A WeakRef's target stays alive until the job that made it ends: collect across turns. */
async function collectFully(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await nextTurn();
    collectGarbage();
  }
}

async function holdingRegisterServer(port: number): Promise<ServerTCP> {
  const server = new ServerTCP({ getHoldingRegister: (address: number) => address }, { host: '127.0.0.1', port, unitID: 1 });
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', (err: Error | null) => reject(err ?? new Error('cannot listen')));
  });
  return server;
}

/** Accepts connections, reads the requests and never answers. */
async function silentServer(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openLink(port: number): Promise<ModbusLink> {
  const link = acquireLink({ host: '127.0.0.1', port, connectTimeoutMs: 1000, reconnect: RECONNECT, log: silent });
  cleanups.push(() => link.release());
  await link.ready();
  expect(link.status).toBe('up');
  return link;
}

describe('ModbusLink', () => {
  it('keeps no answer once it was handed over, while the link stays up', async () => {
    const port = await freePort();
    const server = await holdingRegisterServer(port);
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const link = await openLink(port);

    const answers: WeakRef<object>[] = [];
    for (let i = 0; i < 3 * MODBUS_SERIAL_TRANSACTIONS; i++) {
      const answer = await link.request<{ data: number[] }>(1000, (client, done) => client.writeFC3(1, i, 2, done));
      expect(answer.data).toEqual([i, i + 1]);
      answers.push(new WeakRef(answer));
    }
    await collectFully();

    expect(link.status).toBe('up');
    expect(answers.filter((a) => a.deref() !== undefined).length).toBeLessThanOrEqual(MODBUS_SERIAL_TRANSACTIONS);
  });

  it('fails a request waiting for its answer with LinkDownError when the link goes', async () => {
    const port = await freePort();
    const server = await silentServer(port);
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const link = await openLink(port);

    const waiting = link.request(10_000, (client, done) => client.writeFC3(1, 0, 2, done));
    await nextTurn();
    cleanups.pop();
    await link.release();

    await expect(waiting).rejects.toBeInstanceOf(LinkDownError);
  });
});
