import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeatScadaError, isHeatScadaError, type ErrorCode } from '../model/errors.ts';

// Every API error is { code, message, path? } with an HS_ERR_ code and its catalogue status:
// schema failures are 400 naming the field, anything unexpected is a 500 without a stack, and
// no 5xx carries more than its code and catalogue message.

declare module 'fastify' {
  interface FastifyRequest {
    /** The HS_ERR_ code the request was answered with, for the audit record. */
    errorCode: ErrorCode | undefined;
  }
}

type FastifyValidation = NonNullable<FastifyError['validation']>[number];

/** `querystring.points`, `params.id`: the field a schema failure is about. */
export function validationPath(context: string | undefined, issue: FastifyValidation): string {
  const missing = (issue.params as { missingProperty?: unknown }).missingProperty;
  const segments = issue.instancePath.split('/').filter(Boolean);
  if (typeof missing === 'string') segments.push(missing);
  return [context ?? 'request', ...segments].join('.');
}

/** The HeatScadaError an error answers as. */
export function asHeatScadaError(error: FastifyError | Error): HeatScadaError {
  if (isHeatScadaError(error)) return error;
  const fe = error as FastifyError;
  if (fe.validation && fe.validation.length > 0) {
    const path = validationPath(fe.validationContext, fe.validation[0]);
    return new HeatScadaError('HS_ERR_BAD_REQUEST', fe.validation[0].message ?? 'invalid', path);
  }
  if (fe.statusCode === 413) return new HeatScadaError('HS_ERR_BODY_TOO_LARGE', fe.message);
  // Fastify's own 4xx (bad content type, body too large, bad JSON …): the client's fault.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return new HeatScadaError('HS_ERR_BAD_REQUEST', fe.message);
  return new HeatScadaError('HS_ERR_INTERNAL');
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.decorateRequest('errorCode', undefined);
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const e = asHeatScadaError(error);
    request.errorCode = e.code;
    if (e.status >= 500) request.log.error({ code: e.code, url: request.url, reason: error.message }, 'request failed');
    // A server-side failure's detail (a store's message, a path) stays in the log.
    void reply.status(e.status).send(e.status >= 500 ? new HeatScadaError(e.code).toJSON() : e.toJSON());
  });
}

/**
 * Fastify's routing errors (a bad percent-encoding, a path parameter too long) are answered
 * before any route or error handler runs; they get the same coded body as every other 4xx.
 */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const e = asHeatScadaError(error);
  void reply.status(e.status).send(e.status >= 500 ? new HeatScadaError(e.code).toJSON() : e.toJSON());
}

/** A 404 for the API (and anything outside the web app) as an HS_ERR_NOT_FOUND body. */
export function notFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send(new HeatScadaError('HS_ERR_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`).toJSON());
}
