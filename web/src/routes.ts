// The hash routes (#/, #/substation/:id, …): what a hash means and how a page links to another,
// kept apart from App so that pages and the shell do not import each other.

export type Route = { page: 'overview' } | { page: 'balancing' } | { page: 'network' } | { page: 'wall' } | { page: 'substation'; id: string } | { page: 'history'; series: string[] }
  | { page: 'alarms' | 'work-orders' | 'users' | 'audit' } | { page: 'crew'; crew: string }
  | { page: 'complaints'; id?: number } | { page: 'service-kpis' } | { page: 'season' };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'substation' && parts[1]) return { page: 'substation', id: parts[1] };
  if (parts[0] === 'alarms' || parts[0] === 'work-orders' || parts[0] === 'users' || parts[0] === 'audit') return { page: parts[0] };
  if (parts[0] === 'crew' && parts[1]) return { page: 'crew', crew: parts[1] };
  if (parts[0] === 'complaints') return /^\d+$/.test(parts[1] ?? '') ? { page: 'complaints', id: Number(parts[1]) } : { page: 'complaints' };
  if (parts[0] === 'service-kpis') return { page: 'service-kpis' };
  if (parts[0] === 'season') return { page: 'season' };
  if (parts[0] === 'balancing') return { page: 'balancing' };
  if (parts[0] === 'network') return { page: 'network' };
  if (parts[0] === 'wall') return { page: 'wall' };
  if (parts[0] === 'history') {
    const series = new URLSearchParams(query).get('series');
    return { page: 'history', series: series ? series.split(',').filter(Boolean) : [] };
  }
  return { page: 'overview' };
}

export const substationHref = (id: string): string => `#/substation/${encodeURIComponent(id)}`;
export const complaintHref = (id: number): string => `#/complaints/${id}`;
export const historyHref = (series: string[]): string => `#/history?${new URLSearchParams({ series: series.join(',') })}`;
