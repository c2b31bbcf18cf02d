import { describe, expect, it } from 'vitest';
import { complaintTopic, type ComplaintEvent } from '../model/service.ts';
import { parseComplaintEvent } from './complaint-feed.ts';

// What the complaint feed takes from the broker: a ComplaintEvent whose substation is its topic's.
// Everything else is refused with the field named (the feed logs it with the topic and goes on).

const event: ComplaintEvent = { complaint: 7, substation: 'S003', category: 'no_heat', channel: '12345', receivedAt: Date.UTC(2026, 0, 15, 8) };
const topic = complaintTopic('heatscada', 'S003');
const json = (body: unknown) => Buffer.from(JSON.stringify(body));

describe('parseComplaintEvent', () => {
  it('takes a complaint event', () => {
    expect(parseComplaintEvent(topic, json(event))).toEqual(event);
  });

  it('refuses what is not one, naming the field', () => {
    expect(() => parseComplaintEvent(topic, Buffer.from('{not json'))).toThrow(/HS_ERR_BAD_REQUEST.*not JSON/);
    expect(() => parseComplaintEvent(topic, json({ ...event, category: 'weather' }))).toThrow(/at \/category/);
    expect(() => parseComplaintEvent(topic, json({ ...event, complaint: 'seven' }))).toThrow(/at \/complaint/);
    expect(() => parseComplaintEvent(topic, json({ ...event, receivedAt: undefined }))).toThrow(/at \/receivedAt: .*is required/);
    expect(() => parseComplaintEvent(topic, json({ ...event, phone: '13812345678' }))).toThrow(/\/phone is not a known field/);
    expect(() => parseComplaintEvent(topic, json([event]))).toThrow(/HS_ERR_BAD_REQUEST/);
  });

  it("refuses a payload that claims another substation than its topic's", () => {
    expect(() => parseComplaintEvent(complaintTopic('heatscada', 'S004'), json(event))).toThrow(/at \/substation: .*S003 is not the topic's/);
  });
});
