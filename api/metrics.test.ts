import { describe, expect, it } from 'vitest';
import { HttpCounters } from './metrics.ts';

describe('HttpCounters.render', () => {
  it('writes the Prometheus text format: HELP, TYPE, labelled samples', () => {
    const http = new HttpCounters();
    http.count('GET', '/api/network', 200);
    http.count('GET', '/api/network', 200);
    http.count('GET', '/api/substations/:id', 404);
    const text = http.render({ liveClients: 3, mqttConnected: true, mqttMessages: 10, pointsPushed: 7, substations: { online: 4, offline: 1, stale: 0, alarm: 2 }, uptimeS: 5 });
    expect(http.total()).toBe(3);
    expect(text).toContain('# TYPE heatscada_http_requests_total counter\n');
    expect(text).toContain('heatscada_http_requests_total{method="GET",route="/api/network",status="200"} 2\n');
    expect(text).toContain('heatscada_http_requests_total{method="GET",route="/api/substations/:id",status="404"} 1\n');
    expect(text).toContain('heatscada_live_clients 3\n');
    expect(text).toContain('heatscada_substations{status="alarm"} 2\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});
