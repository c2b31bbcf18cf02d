// The configuration every role process of a soak reads: one document, as on a site where each
// role runs on its own machine, with loopback ports picked free, a login per role and the alarm
// rules' times scaled to the simulator's speed.

import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse, stringify } from 'yaml';
import { BaselineRuleSchema, FrozenRuleSchema, LimitRuleSchema, RateRuleSchema } from '../../alarms/config-schema.ts';
import { allInOnePrincipals } from '../../broker/role-logins.ts';
import { resolveConfig } from '../../bin/config.ts';
import { simulatedPlant, writeRoleLogins } from '../../cluster/plant-config.ts';
import { freePort } from '../../tests/helpers/ports.ts';

export interface SoakPlatformOptions {
  dir: string;
  substations: number;
  seed: number;
  speed: number;
  /** How often each role logs its health, wall seconds. */
  healthEveryS: number;
}

export interface SoakLayout {
  configFile: string;
  dataDir: string;
  ledgerFile: string;
  databaseFile: string;
  rulesFile: string;
  /** Written by the simulator when it starts: what the collector reads. */
  devicesFile: string;
  adminUrl: string;
  adminTokenFile: string;
  apiUrl: string;
  substations: readonly string[];
}

const GROUP = 'heatscada';
const EDGE_NODE = 'collector-1';
const HOST_ID = 'heatscada-historian';

/** Delays and windows of the rules, which count wall seconds, shortened as the plant is sped up. */
const DELAY_KEYS = ['on_delay_s', 'off_delay_s', 'settle_s', 'sample_s'];
const WINDOW_KEYS = ['window_s', 'for_s'];
/** A window shorter than a few polls sees nothing but noise. */
const MIN_WINDOW_S = 5;

type Doc = Record<string, unknown>;

/** The rule kinds with times: their defaults are times too, and must be scaled like the rest. */
const TIMED_KINDS = new Map([LimitRuleSchema, RateRuleSchema, BaselineRuleSchema, FrozenRuleSchema].map((schema) => [schema.properties.kind.const as string, schema]));
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One rule's times divided by the speed, and its rate multiplied: a rule asks for kelvin per
 * simulated minute, which at ×N comes N times faster in wall time. (Keeping the drop per window
 * instead makes a compressed day's ordinary weather swing look like a cold snap.)
 */
function scaleRule(given: Doc, speed: number): Doc {
  const schema = typeof given.kind === 'string' ? TIMED_KINDS.get(given.kind) : undefined;
  const rule = schema ? (Value.Default(schema, structuredClone(given)) as Doc) : given;
  const out: Doc = { ...rule };
  for (const key of DELAY_KEYS) if (typeof rule[key] === 'number') out[key] = (rule[key] as number) / speed;
  for (const key of WINDOW_KEYS) if (typeof rule[key] === 'number') out[key] = Math.max(MIN_WINDOW_S, (rule[key] as number) / speed);
  if (typeof rule.window_h === 'number') out.window_h = Math.max(MIN_WINDOW_S, (rule.window_h * 3600) / speed) / 3600;
  if (typeof rule.per_min === 'number') out.per_min = rule.per_min * speed;
  return out;
}

export function scaledRules(rulesYaml: string, speed: number): string {
  const doc = parse(rulesYaml) as Doc;
  const alarms = (doc.alarms as Doc[]).map((alarm) => {
    const out = scaleRule(alarm, speed);
    if (Array.isArray(alarm.rules)) out.rules = alarm.rules.map((r) => (isDoc(r) ? scaleRule(r, speed) : r));
    return out;
  });
  return stringify({ ...doc, alarms });
}

export async function writeSoakConfig(o: SoakPlatformOptions): Promise<SoakLayout> {
  const dataDir = path.join(o.dir, 'data');
  const secrets = path.join(dataDir, 'secrets');
  fs.mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const plant = await simulatedPlant({ dir: o.dir, dataDir, substations: o.substations, seed: o.seed, speed: o.speed });
  const [mqttPort, wsPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const credentialsFile = path.join(dataDir, 'mqtt-credentials.yaml');
  const rulesFile = path.join(o.dir, 'alarm-rules.yaml');
  const repoRules = fs.readFileSync(new URL('../../config/alarm-rules.yaml', import.meta.url), 'utf8');
  fs.writeFileSync(rulesFile, scaledRules(repoRules, o.speed));

  const loginOf = await writeRoleLogins(credentialsFile, secrets, allInOnePrincipals({ group: GROUP, edgeNodeId: EDGE_NODE, hostId: HOST_ID, devices: plant.plcs }));
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const databaseFile = path.join(dataDir, 'heatscada.db');
  const config = {
    simulate: plant.section,
    broker: { host: '127.0.0.1', tcp_port: mqttPort, ws_port: wsPort, credentials_file: credentialsFile },
    collect: { group_id: GROUP, edge_node_id: EDGE_NODE, primary_host_id: HOST_ID, poll_interval_s: 1, refresh_interval_s: 60, data_dir: dataDir, mqtt: { url: mqttUrl, ...loginOf('collector') } },
    store: { kind: 'sqlite', sqlite: { file: databaseFile, retention_days: 30 } },
    historian: { mqtt_url: mqttUrl, mqtt_login: loginOf('historian'), host_id: HOST_ID },
    alarms: { rules_file: rulesFile, poll_period_s: 1, mqtt_url: mqttUrl, mqtt_login: loginOf('alarms') },
    control: { enabled: true, start_mode: 'auto', interval_s: 5, input_period_s: 60, mqtt_url: mqttUrl, mqtt_login: loginOf('control') },
    serve: { host: '127.0.0.1', port: apiPort, mqtt_url: mqttUrl, mqtt_login: loginOf('api') },
    health: { every_s: o.healthEveryS },
  };
  resolveConfig(structuredClone(config));
  const configFile = path.join(o.dir, 'config.yaml');
  fs.writeFileSync(configFile, stringify(config));
  return {
    configFile,
    dataDir,
    ledgerFile: plant.ledgerFile,
    databaseFile,
    rulesFile,
    devicesFile: plant.devicesFile,
    adminUrl: plant.adminUrl,
    adminTokenFile: plant.adminTokenFile,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    substations: plant.substations,
  };
}
