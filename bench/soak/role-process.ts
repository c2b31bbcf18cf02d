// The roles a soak runs, each as its own process (cluster/role-process.ts).

export { RoleProcess, type HealthSample, type RoleLife } from '../../cluster/role-process.ts';

export const SOAK_ROLES = ['simulate', 'broker', 'collect', 'historian', 'alarms', 'control', 'serve'] as const;
export type SoakRole = (typeof SOAK_ROLES)[number];
