import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { RoleStatusSchema } from '../../model/role-status.ts';
import type { PlatformStatus } from '../live/platform-status.ts';

// GET /api/platform/status: every platform role instance's own word on its health, as it retains
// it on the broker (api/live/platform-status.ts); each change also goes out as the `platform` event.

const PlatformStatusBody = Type.Object({
  roles: Type.Array(RoleStatusSchema, { description: 'every role instance heard of, by role, then instance; ok ones too' }),
});

export const platformRoutes: FastifyPluginAsync<{ platform: Pick<PlatformStatus, 'report'> }> = async (app, { platform }) => {
  app.get(
    '/api/platform/status',
    { config: { access: 'viewer' }, schema: { tags: ['platform'], summary: "The platform roles' own status (ok, disk_full), shown even when the disk under the alarm tables is full", response: { 200: PlatformStatusBody } } },
    async () => platform.report(),
  );
};
