// OPC UA user identity tokens against the simulator's real server over loopback, as the shipped
// config/default.yaml sets it up: a user certificate the client made itself (an X509 user
// token, offered by node-opcua unless told otherwise), an anonymous token and a wrong password
// are each refused over a SignAndEncrypt channel the server accepts, and none of them writes the
// setpoint; the collector's user name and password do.

import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  UserTokenPolicy,
  UserTokenType,
  type UserIdentityInfo,
} from 'node-opcua';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import type { TagName } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { startOpcuaEndpoint, type OpcuaEndpoint } from '../simulators/servers/opcua-endpoint.ts';
import { passwordFile, resolveServerSecurity } from '../simulators/servers/opcua-security.ts';
import { trustingClientPki, type ClientPki } from './helpers/opcua-client-pki.ts';
import { freePort } from './helpers/ports.ts';

const SETPOINT: TagName = 'secondary.supply_temp_setpoint';
const DEFAULT_CONFIG = path.join(import.meta.dirname, '..', 'config', 'default.yaml');
const REFUSED = /BadIdentityTokenInvalid|BadIdentityTokenRejected|BadUserAccessDenied/;

describe('OPC UA user tokens on the simulator server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hs-opcua-tokens-'));
  let plant: Plant;
  let s0: string;
  let endpoint: OpcuaEndpoint;
  let password: string;
  /** The intruder's application certificate is trusted (accept_unknown_clients): only the login is tested. */
  let clientPki: ClientPki;
  let selfMade: UserIdentityInfo;

  /**
   * Opens a SignAndEncrypt session with `identity` and writes the setpoint; the write's status,
   * or the error that stopped it. `forge` adds a policy for the token's type to the endpoint
   * descriptions the client was given, so the token is sent whatever the server advertises.
   */
  async function writeAs(identity: UserIdentityInfo, target: number, forge = false): Promise<string> {
    const client = OPCUAClient.create({
      clientCertificateManager: clientPki.manager,
      securityMode: MessageSecurityMode.SignAndEncrypt,
      securityPolicy: SecurityPolicy.Basic256Sha256,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0 },
    });
    try {
      await client.connect(endpoint.url);
      if (forge) {
        for (const description of await client.getEndpoints()) {
          const tokens = description.userIdentityTokens ?? [];
          if (tokens.some((t) => t.tokenType === identity.type)) continue;
          const forged = new UserTokenPolicy({ policyId: `forged_${UserTokenType[identity.type]}`, tokenType: identity.type, securityPolicyUri: SecurityPolicy.Basic256Sha256 });
          description.userIdentityTokens = [...tokens, forged];
        }
      }
      const session = await client.createSession(identity);
      try {
        const status = await session.write({ nodeId: `ns=2;s=${s0}.${SETPOINT}`, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: target } } });
        return status.name;
      } finally {
        await session.close();
      }
    } catch (e) {
      return (e as Error).message;
    } finally {
      await client.disconnect();
    }
  }

  beforeAll(async () => {
    plant = new Plant(generateCity({ substations: 1, seed: 5 }), { startMs: Date.now() });
    s0 = plant.substationIds[0]!;
    const security = resolveServerSecurity(loadConfig(DEFAULT_CONFIG).simulate.opcua.security, dir);
    password = readFileSync(passwordFile(dir, 'collector'), 'utf8').trim();
    endpoint = await startOpcuaEndpoint({ plc: plant, substations: [s0], port: await freePort(), security, pkiDir: path.join(dir, 'pki') });
    clientPki = trustingClientPki(path.join(dir, 'intruder-pki'));
    // What `openssl req -x509 -newkey rsa:2048` makes: a certificate nobody issued, and its key.
    const pems = await generate([{ name: 'commonName', value: 'collector' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, dataEncipherment: true },
        { name: 'extKeyUsage', clientAuth: true },
      ],
    });
    selfMade = { type: UserTokenType.Certificate, certificateData: new X509Certificate(pems.cert).raw, privateKey: pems.private };
  });

  afterAll(async () => {
    await endpoint?.close();
    await clientPki?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises user name tokens only: no X509, no anonymous', async () => {
    const client = OPCUAClient.create({ clientCertificateManager: clientPki.manager, endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    try {
      await client.connect(endpoint.url);
      const offered = new Set((await client.getEndpoints()).flatMap((d) => (d.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType])));
      expect([...offered]).toEqual(['UserName']);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses a self-made user certificate, an anonymous token and a wrong password; none writes the setpoint', async () => {
    const before = plant.read(s0, SETPOINT) as number;
    const target = Math.round((before - 7) * 10) / 10;
    const anonymous: UserIdentityInfo = { type: UserTokenType.Anonymous };
    // Not advertised, the client gives up before sending; forged, the server refuses the token.
    const notOffered = /Cannot find (Certificate|ANONYMOUS)/;
    const attempts: [string, string, RegExp][] = [
      ['self-made certificate', await writeAs(selfMade, target), new RegExp(`${notOffered.source}|${REFUSED.source}`)],
      ['self-made certificate, policy forged', await writeAs(selfMade, target, true), REFUSED],
      ['anonymous', await writeAs(anonymous, target), new RegExp(`${notOffered.source}|${REFUSED.source}`)],
      ['anonymous, policy forged', await writeAs(anonymous, target, true), REFUSED],
      ['wrong password', await writeAs({ type: UserTokenType.UserName, userName: 'collector', password: `${password}x` }, target), /BadUserAccessDenied/],
    ];
    for (const [what, outcome, refused] of attempts) expect(outcome, what).toMatch(refused);
    expect(plant.read(s0, SETPOINT)).toBe(before);
    // The user PKI took nothing in: the next self-made certificate is no more welcome.
    const trusted = path.join(dir, 'pki', 'opcua-user', 'trusted', 'certs');
    expect(existsSync(trusted) ? readdirSync(trusted) : []).toEqual([]);
  });

  it('the collector user name and password still write the setpoint', async () => {
    const target = Math.round(((plant.read(s0, SETPOINT) as number) - 3) * 10) / 10;
    expect(await writeAs({ type: UserTokenType.UserName, userName: 'collector', password }, target)).toBe('Good');
    expect(plant.read(s0, SETPOINT)).toBeCloseTo(target, 6);
  });
});
