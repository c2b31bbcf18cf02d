import { describe, expect, it } from 'vitest';
import { encodePayload, REBIRTH } from '../model/sparkplug.ts';
import { compileAcl, filterWithin, isRebirthRequest, MAX_TOPIC_LENGTH, statusTopicOf, type MqttPrincipal } from './acl.ts';

const edge = compileAcl({ username: 'c1', kind: 'edge_node', group: 'city', edgeNodeId: 'c1', devices: ['sub-001', 'sub 2'] });
const historian = compileAcl({ username: 'h', kind: 'historian', hostId: 'hist' });
const hosts: Record<string, MqttPrincipal> = {
  historian: { username: 'h', kind: 'historian', hostId: 'hist', shareGroups: ['historians'] },
  alarms: { username: 'a', kind: 'alarms' },
  control: { username: 'c', kind: 'control' },
  api: { username: 'p', kind: 'api' },
};

const rebirth = encodePayload({ timestamp: 1, metrics: [{ name: REBIRTH, datatype: 'Boolean', value: true }] });
const setpoint = encodePayload({ timestamp: 1, metrics: [{ name: 'valve.position_sp', datatype: 'Double', value: 40 }] });
const rebirthAndMore = encodePayload({
  timestamp: 1,
  metrics: [
    { name: REBIRTH, datatype: 'Boolean', value: true },
    { name: 'Node Control/Reboot', datatype: 'Boolean', value: true },
  ],
});
const none = Buffer.alloc(0);

describe('topic ACL: edge node', () => {
  it('publishes node births, data and deaths under its own group and edge id, and device ones for its devices only', () => {
    for (const topic of [
      'spBv1.0/city/NBIRTH/c1',
      'spBv1.0/city/NDATA/c1',
      'spBv1.0/city/NDEATH/c1',
      'spBv1.0/city/DBIRTH/c1/sub-001',
      'spBv1.0/city/DDATA/c1/sub-001',
      'spBv1.0/city/DDEATH/c1/sub 2',
    ]) {
      expect(edge.mayPublish(topic, none), topic).toBe(true);
    }
    for (const topic of [
      'spBv1.0/city/NBIRTH/c2', // another edge node
      'spBv1.0/city/DDATA/c2/sub-001',
      'spBv1.0/city/DBIRTH/c1/sub-002', // a device not in its list
      'spBv1.0/city/DDATA/c1/sub-0011',
      'spBv1.0/city/DDEATH/c1/sub',
      'spBv1.0/town/NDATA/c1', // another group
      'spBv1.0/city/NDATA/c1x',
      'spBv1.0/city/NDATA/c',
      'spBv1.0/city/NCMD/c1', // commands are for hosts to send
      'spBv1.0/city/DCMD/c1/sub-001',
      'spBv1.0/STATE/c1',
      'spBv1.0/city/DDATA/c1', // device type without a device
      'spBv1.0/city/DDATA/c1/', // empty device id
      'spBv1.0/city/DDATA/c1/sub/extra', // one level too many
      'spBv1.0/city/NDATA/c1/sub', // node type with a device
      'spBv1.0/city/DDATA/c1/+', // wildcards are never a publish topic
      'spBv1.0/city/DDATA/c1/#',
      'spBv1.0/city/DDATA/c1/a+b',
      'spBv1.0/+/NDATA/c1',
      'spBv1.0/city/NDATA/+',
      'other/city/NDATA/c1',
      '$SYS/broker',
      '',
      `spBv1.0/city/DDATA/c1/${'x'.repeat(MAX_TOPIC_LENGTH)}`, // overly long
    ]) {
      expect(edge.mayPublish(topic, none), topic).toBe(false);
    }
  });

  it('subscribes to its own commands and host STATE only, shared or not', () => {
    for (const filter of [
      'spBv1.0/city/NCMD/c1',
      'spBv1.0/city/DCMD/c1/+',
      'spBv1.0/city/DCMD/c1/sub-001',
      'spBv1.0/STATE/hist',
      'spBv1.0/STATE/+',
    ]) {
      expect(edge.maySubscribe(filter), filter).toBe(true);
    }
    for (const filter of [
      'spBv1.0/city/NCMD/c2',
      'spBv1.0/city/DCMD/c2/+',
      'spBv1.0/city/DCMD/+/+', // everyone's commands
      'spBv1.0/city/DCMD/c1/#', // also matches spBv1.0/city/DCMD/c1 and deeper levels
      'spBv1.0/city/DCMD/c1', // shorter than the pattern
      'spBv1.0/city/DDATA/c1/+', // other edge nodes' data is not its business
      'spBv1.0/city/#',
      'spBv1.0/#',
      '#',
      '+/city/NCMD/c1',
      'spBv1.0/+/NCMD/c1',
      'spBv1.0/STATE/#',
      '$SYS/#',
      '$share/g/spBv1.0/city/DCMD/+/+',
      '$share/g/spBv1.0/city/DCMD/c1/+', // an edge node joins no share group
      '$share/g', // malformed share
      'spBv1.0/city/DCMD/c1/a#', // malformed filters
      'spBv1.0/city/DCMD/c1/+x',
      'spBv1.0/city/#/c1',
      '',
      `spBv1.0/STATE/${'x'.repeat(MAX_TOPIC_LENGTH)}`,
    ]) {
      expect(edge.maySubscribe(filter), filter).toBe(false);
    }
  });
});

describe('topic ACL: host applications', () => {
  it('the historian publishes its own STATE and NCMD rebirth requests, nothing else', () => {
    expect(historian.mayPublish('spBv1.0/STATE/hist', Buffer.from('{"online":true}'))).toBe(true);
    expect(historian.mayPublish('spBv1.0/STATE/other', Buffer.from('{"online":false}'))).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1', rebirth)).toBe(true);
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1', setpoint)).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1', rebirthAndMore)).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1', Buffer.from('not protobuf at all \xff'))).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/DCMD/c1/sub-001', rebirth)).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NDATA/c1', none)).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1/extra', rebirth)).toBe(false);
    expect(historian.mayPublish('spBv1.0/city/NCMD/+', rebirth)).toBe(false);
    // A retained request would be replayed to the node at every later subscription.
    expect(historian.mayPublish('spBv1.0/city/NCMD/c1', rebirth, true)).toBe(false);
  });

  it('only control sends commands, never retained; alarms and api may ask for a rebirth as their live feeds do', () => {
    const decisions = Object.fromEntries(
      Object.entries(hosts).map(([name, p]) => {
        const acl = compileAcl(p);
        return [name, [acl.mayPublish('spBv1.0/city/DCMD/c1/sub-001', setpoint), acl.mayPublish('spBv1.0/city/NCMD/c1', setpoint), acl.mayPublish('spBv1.0/city/NCMD/c1', rebirth)]];
      }),
    );
    expect(decisions).toEqual({
      historian: [false, false, true],
      alarms: [false, false, true],
      control: [true, true, true],
      api: [false, false, true],
    });
    const control = compileAcl(hosts.control);
    expect(control.mayPublish('spBv1.0/city/DCMD/c1/sub-001', setpoint, true)).toBe(false);
    expect(control.mayPublish('spBv1.0/city/NCMD/c1', rebirth, true)).toBe(false);
    // Its own state is retained on purpose: a late subscriber learns a freeze.
    expect(control.mayPublish('heatscada/control/city/state/S001', none, true)).toBe(true);
    for (const topic of ['spBv1.0/city/DCMD/c1', 'spBv1.0/city/DCMD/c1/s/x', 'spBv1.0/city/DCMD/+/s', 'spBv1.0/city/DDATA/c1/s', 'spBv1.0/STATE/hist', 'spBv1.0//DCMD/c1/s']) {
      expect(control.mayPublish(topic, setpoint), topic).toBe(false);
    }
  });

  it('hosts subscribe anywhere in the Sparkplug namespace, and share only in their own share groups', () => {
    for (const p of Object.values(hosts)) {
      const acl = compileAcl(p);
      const own = p.kind === 'historian' ? 'historians' : p.username;
      for (const filter of ['spBv1.0/#', 'spBv1.0/+/NBIRTH/#', 'spBv1.0/city/DDATA/+/+', 'spBv1.0/STATE/hist', `$share/${own}/spBv1.0/+/DDATA/#`, 'spBv1.0']) {
        expect(acl.maySubscribe(filter), `${p.kind} ${filter}`).toBe(true);
      }
      for (const filter of ['#', '+/#', '+/city/DDATA/#', '$SYS/#', 'plant/#', `$share/${own}/#`, '$share//spBv1.0/#', 'spBv1.0/#/x']) {
        expect(acl.maySubscribe(filter), `${p.kind} ${filter}`).toBe(false);
      }
    }
    // Listed groups replace the default: the historian is not in a group named after itself.
    expect(compileAcl(hosts.historian).maySubscribe('$share/h/spBv1.0/#')).toBe(false);
    expect(compileAcl(hosts.alarms).maySubscribe('$share/historians/spBv1.0/+/DDATA/#')).toBe(false);
  });
});

describe('topic ACL: the balancing loop\'s state (model/control-state.ts)', () => {
  it('only control publishes it; every host may follow it, no edge node', () => {
    const state = 'heatscada/control/city/state/S001';
    const publishers = Object.fromEntries(Object.entries(hosts).map(([name, p]) => [name, compileAcl(p).mayPublish(state, Buffer.from('{}'))]));
    expect(publishers).toEqual({ historian: false, alarms: false, control: true, api: false });
    expect(edge.mayPublish(state, none)).toBe(false);
    const control = compileAcl(hosts.control);
    for (const topic of ['heatscada/control/city/state/+', 'heatscada/control/city/state', 'heatscada/control/city/other/S001', 'heatscada/other/city/state/S001']) {
      expect(control.mayPublish(topic, none), topic).toBe(false);
    }
    for (const p of Object.values(hosts)) {
      expect(compileAcl(p).maySubscribe('heatscada/control/+/state/+'), p.kind).toBe(true);
      expect(compileAcl(p).maySubscribe('heatscada/control/city/state/S001'), p.kind).toBe(true);
      expect(compileAcl(p).maySubscribe('heatscada/#'), p.kind).toBe(false);
    }
    expect(edge.maySubscribe('heatscada/control/+/state/+')).toBe(false);
  });
});

describe("topic ACL: the residents' service (model/service.ts)", () => {
  const service = compileAcl({ username: 's', kind: 'service', group: 'city' });
  const complaint = Buffer.from('{"complaint":1}');

  it('publishes whole complaint topics of its own group only, never retained, and nothing else', () => {
    for (const topic of ['heatscada/service/city/complaint/S001', 'heatscada/service/city/complaint/sub 2']) {
      expect(service.mayPublish(topic, complaint), topic).toBe(true);
    }
    // A retained complaint would reach every later subscriber and count in its cluster again.
    expect(service.mayPublish('heatscada/service/city/complaint/S001', complaint, true)).toBe(false);
    for (const topic of [
      'heatscada/service/town/complaint/S001', // another group
      'heatscada/service/city/complaint/', // no substation
      'heatscada/service/city/complaint/+',
      'heatscada/service/city/complaint/#',
      'heatscada/service/city/complaint/S001/extra',
      'heatscada/service/city/complaint',
      'heatscada/service/city/other/S001',
      'heatscada/control/city/state/S001',
      'spBv1.0/city/NCMD/c1',
      'spBv1.0/STATE/s',
      `heatscada/service/city/complaint/${'x'.repeat(MAX_TOPIC_LENGTH)}`,
    ]) {
      expect(service.mayPublish(topic, rebirth), topic).toBe(false);
    }
  });

  it('subscribes to nothing; every host may follow the complaints, no edge node', () => {
    for (const filter of ['heatscada/service/+/complaint/+', 'heatscada/service/city/complaint/S001', 'spBv1.0/#', '$share/s/spBv1.0/#', '#']) {
      expect(service.maySubscribe(filter), filter).toBe(false);
    }
    for (const p of Object.values(hosts)) {
      expect(compileAcl(p).maySubscribe('heatscada/service/+/complaint/+'), p.kind).toBe(true);
      expect(compileAcl(p).maySubscribe('heatscada/service/city/complaint/S001'), p.kind).toBe(true);
      expect(compileAcl(p).maySubscribe('heatscada/service/#'), p.kind).toBe(false);
      expect(compileAcl(p).mayPublish('heatscada/service/city/complaint/S001', complaint), p.kind).toBe(false);
    }
    expect(edge.maySubscribe('heatscada/service/+/complaint/+')).toBe(false);
    expect(edge.mayPublish('heatscada/service/city/complaint/S001', complaint)).toBe(false);
  });
});

describe('topic ACL: role status (model/role-status.ts)', () => {
  const principals: MqttPrincipal[] = [
    { username: 'c1', kind: 'edge_node', group: 'city', edgeNodeId: 'c1', devices: ['S001'] },
    { username: 'h', kind: 'historian', hostId: 'hist' },
    { username: 'a', kind: 'alarms' },
    { username: 'c', kind: 'control' },
    { username: 'p', kind: 'api' },
    { username: 's', kind: 'season' },
    { username: 'svc', kind: 'service', group: 'city' },
  ];
  const own: Record<string, string> = {
    c1: 'heatscada/status/collector/city-c1',
    h: 'heatscada/status/historian/hist',
    a: 'heatscada/status/alarms/a',
    c: 'heatscada/status/control/c',
    p: 'heatscada/status/api/p',
    s: 'heatscada/status/season/s',
    svc: 'heatscada/status/service/svc',
  };
  const status = Buffer.from('{}');

  it('lets each principal publish its own status topic, retained, and no other', () => {
    for (const p of principals) {
      expect(statusTopicOf(p)).toBe(own[p.username]);
      const acl = compileAcl(p);
      expect(acl.mayPublish(own[p.username], status, true), p.username).toBe(true);
      for (const other of Object.values(own).filter((t) => t !== own[p.username])) expect(acl.mayPublish(other, status, true), `${p.username} → ${other}`).toBe(false);
      for (const bad of ['heatscada/status/historian/+', 'heatscada/status/#', `${own[p.username]}/extra`, 'heatscada/status/collector/city-c2']) {
        expect(acl.mayPublish(bad, status, true), `${p.username} → ${bad}`).toBe(false);
      }
    }
  });

  it('lets the alarm engine and the API, and no one else, follow every role status', () => {
    for (const p of principals) {
      const acl = compileAcl(p);
      const expected = p.kind === 'alarms' || p.kind === 'api';
      expect(acl.maySubscribe('heatscada/status/+/+'), p.username).toBe(expected);
      expect(acl.maySubscribe('heatscada/status/historian/hist'), p.username).toBe(expected);
    }
    for (const follower of [principals[2], principals[4]]) {
      expect(compileAcl(follower).maySubscribe('heatscada/status/#'), follower.kind).toBe(false);
      expect(compileAcl(follower).maySubscribe('heatscada/#'), follower.kind).toBe(false);
    }
  });
});

describe('filterWithin', () => {
  const within = (filter: string, allowed: string) => filterWithin(filter.split('/'), allowed.split('/'));
  it('is true only when every topic the filter matches is matched by the pattern', () => {
    expect(within('a/b', 'a/+')).toBe(true);
    expect(within('a/+', 'a/+')).toBe(true);
    expect(within('a', 'a/#')).toBe(true); // `a/#` matches `a` too
    expect(within('a/b/c/#', 'a/#')).toBe(true);
    expect(within('a/#', 'a/+')).toBe(false);
    expect(within('a/+', 'a/b')).toBe(false);
    expect(within('a/b/c', 'a/+')).toBe(false);
    expect(within('a', 'a/+')).toBe(false);
    expect(within('#', 'a/#')).toBe(false);
  });
});

describe('isRebirthRequest', () => {
  it('accepts exactly one Node Control/Rebirth = true', () => {
    expect(isRebirthRequest(rebirth)).toBe(true);
    expect(isRebirthRequest(encodePayload({ timestamp: 1, metrics: [{ name: REBIRTH, datatype: 'Boolean', value: false }] }))).toBe(false);
    expect(isRebirthRequest(rebirthAndMore)).toBe(false);
    expect(isRebirthRequest(none)).toBe(false);
  });
});
