import type { SubstationState } from './live/latest-table.ts';

// Prometheus text exposition (format 0.0.4), written by hand: a few counters and gauges do not
// need a client library.

export interface MetricsSnapshot {
  liveClients: number;
  mqttConnected: boolean;
  mqttMessages: number;
  pointsPushed: number;
  substations: Record<SubstationState, number>;
  uptimeS: number;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class HttpCounters {
  private readonly requests = new Map<string, { method: string; route: string; status: number; count: number }>();

  count(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const row = this.requests.get(key);
    if (row) row.count++;
    else this.requests.set(key, { method, route, status, count: 1 });
  }

  total(): number {
    let n = 0;
    for (const row of this.requests.values()) n += row.count;
    return n;
  }

  render(s: MetricsSnapshot): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric(
      'heatscada_http_requests_total',
      'counter',
      'HTTP requests by method, route and status',
      [...this.requests.values()].map((r) => [`{method="${r.method}",route="${escapeLabel(r.route)}",status="${r.status}"}`, r.count]),
    );
    metric('heatscada_live_clients', 'gauge', 'socket.io clients connected', [['', s.liveClients]]);
    metric('heatscada_mqtt_connected', 'gauge', '1 while the live feed is subscribed to the broker', [['', s.mqttConnected ? 1 : 0]]);
    metric('heatscada_mqtt_messages_received_total', 'counter', 'Sparkplug messages received by the live feed', [['', s.mqttMessages]]);
    metric('heatscada_live_points_pushed_total', 'counter', 'points sent to socket.io rooms', [['', s.pointsPushed]]);
    metric(
      'heatscada_substations',
      'gauge',
      'substations by status',
      Object.entries(s.substations).map(([status, n]) => [`{status="${status}"}`, n]),
    );
    metric('heatscada_api_uptime_seconds', 'gauge', 'seconds since the API started', [['', s.uptimeS]]);
    return `${lines.join('\n')}\n`;
  }
}
