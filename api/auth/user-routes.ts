import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { PASSWORD_LENGTH } from '../../model/security.ts';
import { ErrorBody } from '../routes/schemas.ts';
import type { Auth } from './auth.ts';
import { Me } from './auth-routes.ts';
import { auditDescription, CREW_ID_PATTERN, USER_NAME_PATTERN } from './user-store.ts';

// /api/users (admin): list, create, change (role, crew, password, disabled), remove. Every change
// is audited with the user's role, crew and state before and after; a password never appears
// there. Disabling, removing or a new password ends the user's sessions. A user of the crew role
// names its crew (alarms.crews[].id); no other user has one.

const User = Type.Object({ ...Me.properties, createdAt: Type.Number(), disabled: Type.Boolean() });
const Crew = Type.String({ pattern: CREW_ID_PATTERN, description: 'the crew (alarms.crews[].id): required for the crew role, refused for the others' });
const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
const CreateBody = Type.Object(
  { name: Type.String({ pattern: USER_NAME_PATTERN }), role: Me.properties.role, crew: Type.Optional(Crew), password: Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max }) },
  { additionalProperties: false },
);
const ChangeBody = Type.Object(
  { role: Type.Optional(Me.properties.role), crew: Type.Optional(Crew), password: Type.Optional(Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max })), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const target = (name: string): string => `user:${name}`;

export const userRoutes: FastifyPluginAsync<{ auth: Auth }> = async (app, { auth }) => {
  const { users, refreshTokens } = auth;
  app.get('/api/users', { config: { access: 'admin' }, schema: { tags: ['users'], summary: 'Every user', response: { 200: Type.Array(User), ...errors } } }, async () => users.list());

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/users',
    {
      config: { access: 'admin', audit: { action: 'user.create', target: (r) => target((r.body as Static<typeof CreateBody>).name) } },
      schema: { tags: ['users'], summary: `Create a user (password ≥ ${PASSWORD_LENGTH.min} characters)`, body: CreateBody, response: { 201: User, ...errors } },
    },
    async (request, reply) => {
      const user = await users.create(request.body.name, request.body.role, request.body.password, request.body.crew);
      request.auditValues = { newValue: auditDescription(user) };
      return reply.status(201).send(user);
    },
  );

  app.patch<{ Params: Static<typeof Params>; Body: Static<typeof ChangeBody> }>(
    '/api/users/:name',
    {
      config: { access: 'admin', audit: { action: 'user.change', target: (r) => target((r.params as Static<typeof Params>).name) } },
      schema: { tags: ['users'], summary: 'Change role, crew, password or disabled (leaving the crew role leaves the crew)', params: Params, body: ChangeBody, response: { 200: User, ...errors } },
    },
    async (request) => {
      const { before, after } = await users.update(request.params.name, request.body);
      if (after.disabled || request.body.password !== undefined) refreshTokens.revokeUser(after.name);
      request.auditValues = { oldValue: auditDescription(before), newValue: `${auditDescription(after)}${request.body.password === undefined ? '' : ' password changed'}` };
      return after;
    },
  );

  app.delete<{ Params: Static<typeof Params> }>(
    '/api/users/:name',
    {
      config: { access: 'admin', audit: { action: 'user.delete', target: (r) => target((r.params as Static<typeof Params>).name) } },
      schema: { tags: ['users'], summary: 'Remove a user', params: Params, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const before = users.remove(request.params.name);
      refreshTokens.revokeUser(before.name);
      request.auditValues = { oldValue: auditDescription(before) };
      return reply.status(204).send();
    },
  );
};
