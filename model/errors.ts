// The error catalogue every process uses, so a log line, an API response and a UI toast
// say the same thing. Add a code here rather than throwing an ad hoc string.

export const ERRORS = {
  HS_ERR_CONFIG_INVALID: { status: 400, message: 'Configuration is invalid' },
  HS_ERR_CONFIG_READ: { status: 500, message: 'Configuration file cannot be read' },
  HS_ERR_NETWORK_INVALID: { status: 400, message: 'Network description is invalid' },
  HS_ERR_SCENARIO_INVALID: { status: 400, message: 'Fault scenario is invalid' },
  HS_ERR_UNKNOWN_SUBSTATION: { status: 404, message: 'No such substation' },
  HS_ERR_UNKNOWN_TAG: { status: 404, message: 'No such tag' },
  HS_ERR_NOT_WRITABLE: { status: 403, message: 'Tag is not writable' },
  HS_ERR_OUT_OF_RANGE: { status: 400, message: 'Value is outside the tag range' },
  HS_ERR_WRONG_TYPE: { status: 400, message: 'Value has the wrong type' },
  HS_ERR_PLC_MODE: { status: 409, message: 'The PLC control mode does not accept this write' },
  HS_ERR_PLC_OFFLINE: { status: 503, message: 'The PLC does not answer' },
  HS_ERR_FAULT_INVALID: { status: 400, message: 'Fault request is invalid' },
  HS_ERR_BAD_REQUEST: { status: 400, message: 'Request is invalid' },
  HS_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  HS_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class HeatScadaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Where the problem is: a JSON path into a document, or a substation/tag. */
  readonly path: string | undefined;

  constructor(code: ErrorCode, detail?: string, path?: string) {
    const base = ERRORS[code].message;
    super(`${code}: ${base}${path ? ` at ${path}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'HeatScadaError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.path = path;
  }

  toJSON(): { code: ErrorCode; message: string; path?: string } {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }
}

export function isHeatScadaError(e: unknown): e is HeatScadaError {
  return e instanceof HeatScadaError;
}
