import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../model/broker-urls.ts';
import type { CommandRequest } from '../model/command.ts';
import { controlStateTopic, type ControlState } from '../model/control-state.ts';
import { isHeatScadaError } from '../model/errors.ts';
import { ownClientId, type MqttLogin } from '../model/mqtt-client.ts';
import { ACTOR_PROPERTY, COMMAND_ACK, COMMAND_EPOCH, decodePayload, edgeTopic, encodePayload, EPOCH_PROPERTY, parseTopic, REQUEST_ID_PROPERTY, type CommandOutcome, type Metric } from '../model/sparkplug.ts';
import { AliasTable } from '../store/historian/aliases.ts';
import { DEFAULT_DEVICE_OWNERS_FILE, DeviceOwners } from '../store/historian/owners.ts';
import { RebirthRequests } from '../store/historian/rebirth.ts';
import type { Actuator } from './controller.ts';

// Writes through Sparkplug: a DCMD to the edge node that serves the substation, with a request
// id and the actor, then the COMMAND_ACK the collector publishes after it validated, wrote and
// read back. Which edge node serves a substation, and the alias of its acknowledgement, come
// from the DBIRTHs; traffic from a node whose births were missed gets a rebirth request. A
// DBIRTH of a substation from another edge node than the one carrying it is refused (owners.ts):
// commands would otherwise follow whoever birthed the substation last.
// In a hot-standby pair (`fencing`) every DCMD carries the leader's epoch and nothing is sent
// while this instance stands by; a new leader announces its epoch to every edge node it knows
// (an NCMD with COMMAND_EPOCH) so its predecessor is fenced off before the first write.

interface Device {
  edge: string;
  aliases: AliasTable;
}

interface Pending {
  substation: string;
  resolve: (outcome: CommandOutcome) => void;
  timer: NodeJS.Timeout;
}

export interface DcmdActuatorOptions {
  mqttUrl: BrokerUrls;
  /** User name, password, trusted CA (model/mqtt-client.ts). */
  mqttLogin?: MqttLogin;
  group: string;
  clientId: string;
  ackTimeoutS: number;
  /** The operator's device placements (store/historian/owners.ts); DEFAULT_DEVICE_OWNERS_FILE when absent. */
  deviceOwnersFile?: string;
  /** A hot-standby pair's lease (cluster/lease.ts): the epoch while active, undefined while standing by. Unfenced without it. */
  fencing?: { epoch(): number | undefined };
  logger: Logger;
}

function isOutcome(x: unknown): x is CommandOutcome {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.requestId === 'string' && typeof o.tag === 'string' && (o.ok === true ? typeof o.value === 'number' : o.ok === false && typeof o.code === 'string' && typeof o.reason === 'string');
}

export class DcmdActuator implements Actuator {
  private readonly devices = new Map<string, Device>();
  /** Every edge node whose birth was seen: where a new leader announces its epoch. */
  private readonly edges = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly rebirth: RebirthRequests;
  private readonly owners: DeviceOwners;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: DcmdActuatorOptions,
  ) {
    this.rebirth = new RebirthRequests((topic, payload) => client.publish(topic, payload, { qos: 0 }), options.logger);
    this.owners = new DeviceOwners(options.deviceOwnersFile ?? DEFAULT_DEVICE_OWNERS_FILE, options.logger);
    client.on('message', (topic, bytes) => this.onMessage(topic, bytes));
  }

  static async connect(options: DcmdActuatorOptions): Promise<DcmdActuator> {
    const client = connectBrokers(options.mqttUrl, { ...options.mqttLogin, clientId: ownClientId(options.mqttLogin, options.clientId), protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000 });
    const actuator = new DcmdActuator(client, options);
    client.on('error', (e) => options.logger.warn({ event: 'mqtt_error', code: 'HS_ERR_BROKER_CLIENT', reason: e.message }, 'mqtt error'));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync({ [`spBv1.0/${options.group}/DBIRTH/+/+`]: { qos: 0 }, [`spBv1.0/${options.group}/DDATA/+/+`]: { qos: 1 }, [`spBv1.0/${options.group}/NBIRTH/+`]: { qos: 0 } });
    return actuator;
  }

  /** Tells the control room (the alarm engine) the loop's state of a substation: retained, so a late subscriber learns it. */
  publishState(substation: string, state: ControlState): void {
    this.client.publish(controlStateTopic(this.options.group, substation), JSON.stringify(state), { qos: 1, retain: true });
  }

  /** Substations whose births were seen: the ones a command can reach. */
  known(): string[] {
    return [...this.devices.keys()];
  }

  canReach(substation: string): boolean {
    return this.devices.has(substation);
  }

  /** Tells every edge node seen that commands of `actor` older than `epoch` are stale: a new leader speaks before it writes. */
  announceEpoch(epoch: number, actor: string): void {
    const metric: Metric = { name: COMMAND_EPOCH, datatype: 'UInt64', value: epoch, properties: { [ACTOR_PROPERTY]: { type: 'String', value: actor } } };
    for (const edge of this.edges) this.client.publish(edgeTopic(this.options.group, 'NCMD', edge), encodePayload({ timestamp: Date.now(), metrics: [metric] }), { qos: 1 });
    this.options.logger.info({ event: 'epoch_announced', epoch, edges: [...this.edges] }, `epoch ${epoch} announced to ${this.edges.size} edge nodes`);
  }

  send(request: CommandRequest): Promise<CommandOutcome> {
    const { requestId, substation, tag, value, actor } = request;
    const device = this.devices.get(substation);
    if (!device) return Promise.resolve({ requestId, tag, ok: false, code: 'HS_ERR_PLC_OFFLINE', reason: `no birth seen for ${substation}: no edge node to send to`, actor });
    const epoch = this.options.fencing?.epoch();
    if (this.options.fencing && epoch === undefined) return Promise.resolve({ requestId, tag, ok: false, code: 'HS_ERR_STANDBY', reason: 'this control instance stands by: the active one writes', actor });
    const metric: Metric = {
      name: tag,
      datatype: 'Double',
      value,
      properties: {
        [REQUEST_ID_PROPERTY]: { type: 'String', value: requestId },
        [ACTOR_PROPERTY]: { type: 'String', value: actor },
        ...(epoch === undefined ? {} : { [EPOCH_PROPERTY]: { type: 'UInt64' as const, value: epoch } }),
      },
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve({ requestId, tag, ok: false, code: 'HS_ERR_CONTROL_ACK_TIMEOUT', reason: `no ${COMMAND_ACK} from ${device.edge} within ${this.options.ackTimeoutS} s`, actor });
      }, this.options.ackTimeoutS * 1000);
      this.pending.set(requestId, { substation, resolve, timer });
      this.client.publish(edgeTopic(this.options.group, 'DCMD', device.edge, substation), encodePayload({ timestamp: Date.now(), metrics: [metric] }), { qos: 1 });
    });
  }

  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ requestId: id, tag: '', ok: false, code: 'HS_ERR_CONTROL_OFF', reason: 'control stopped before the acknowledgement' });
    }
    this.pending.clear();
    await this.client.endAsync();
  }

  private onMessage(topicName: string, bytes: Buffer): void {
    try {
      const topic = parseTopic(topicName);
      if (topic.kind !== 'edge') return;
      if (topic.type === 'NBIRTH' || topic.type === 'DBIRTH') this.edges.add(topic.edge);
      if (topic.type === 'NBIRTH') {
        this.rebirth.answered(topic.group, topic.edge);
        return;
      }
      const substation = topic.device;
      if (substation === undefined) return;
      const payload = decodePayload(bytes);
      if (topic.type === 'DBIRTH') {
        if (!this.owners.claim(substation, topic.group, topic.edge)) {
          this.options.logger.warn(
            { event: 'device_owner_refused', code: 'HS_ERR_SPARKPLUG_DEVICE_OWNER', substation, edge: topic.edge, owner: this.owners.ownerOf(substation) },
            'DBIRTH from an edge node that does not carry the substation: its commands stay with the owner',
          );
          return;
        }
        this.devices.set(substation, { edge: topic.edge, aliases: AliasTable.fromBirth(payload.metrics, true) });
        return;
      }
      const device = this.devices.get(substation);
      if (!device || device.edge !== topic.edge) {
        this.rebirth.request(topic.group, topic.edge, 'HS_ERR_SPARKPLUG_NO_BIRTH');
        return;
      }
      for (const metric of payload.metrics) {
        if (device.aliases.lookup(metric)?.name !== COMMAND_ACK || typeof metric.value !== 'string') continue;
        const outcome: unknown = JSON.parse(metric.value);
        if (!isOutcome(outcome)) continue;
        const p = this.pending.get(outcome.requestId);
        if (!p) continue;
        clearTimeout(p.timer);
        this.pending.delete(outcome.requestId);
        p.resolve(outcome);
      }
    } catch (e) {
      this.options.logger.warn({ event: 'message_refused', code: isHeatScadaError(e) ? e.code : 'HS_ERR_SPARKPLUG_DECODE', topic: topicName, reason: (e as Error).message }, 'control could not read a message');
    }
  }
}
