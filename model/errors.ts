// The error catalogue every process uses, so a log line, an API response and a UI toast
// say the same thing. Add a code here rather than throwing an ad hoc string.

export const ERRORS = {
  HS_ERR_CONFIG_INVALID: { status: 400, message: 'Configuration is invalid' },
  HS_ERR_CONFIG_READ: { status: 500, message: 'Configuration file cannot be read' },
  HS_ERR_CONFIG_INSECURE: { status: 400, message: 'Configuration offers an unsecured OPC UA server on a network address' },
  HS_ERR_NETWORK_INVALID: { status: 400, message: 'Network description is invalid' },
  HS_ERR_SCENARIO_INVALID: { status: 400, message: 'Fault scenario is invalid' },
  HS_ERR_UNKNOWN_SUBSTATION: { status: 404, message: 'No such substation' },
  HS_ERR_UNKNOWN_TAG: { status: 404, message: 'No such tag' },
  HS_ERR_NOT_WRITABLE: { status: 403, message: 'Tag is not writable' },
  HS_ERR_OUT_OF_RANGE: { status: 400, message: 'Value is outside the tag range' },
  HS_ERR_WRONG_TYPE: { status: 400, message: 'Value has the wrong type' },
  HS_ERR_PLC_MODE: { status: 409, message: 'The PLC control mode does not accept this write' },
  HS_ERR_PLC_OFFLINE: { status: 503, message: 'The PLC does not answer' },
  HS_ERR_PLC_WRITE_FAILED: { status: 502, message: 'The PLC answered but did not carry out the write' },
  HS_ERR_BAD_READING: { status: 502, message: 'The PLC sent a reading that is no number or lies outside the tag range: marked bad' },
  HS_ERR_OPCUA_USER_DENIED: { status: 502, message: 'The OPC UA server refused the user name or password' },
  HS_ERR_OPCUA_SECURITY_REJECTED: { status: 502, message: 'The OPC UA server does not offer this security mode and policy' },
  HS_ERR_OPCUA_CERT_UNTRUSTED: { status: 502, message: 'The OPC UA server certificate is not trusted' },
  HS_ERR_OPCUA_CERT_CHANGED: { status: 502, message: 'The OPC UA server certificate differs from the one trusted on first use' },
  HS_ERR_OPCUA_CLIENT_REJECTED: { status: 502, message: "The OPC UA server does not trust the collector's certificate" },
  HS_ERR_FAULT_INVALID: { status: 400, message: 'Fault request is invalid' },
  HS_ERR_SEASON_EVENT_INVALID: { status: 400, message: 'Season phase command is invalid' },
  HS_ERR_SIM_ADMIN_LOOPBACK: { status: 403, message: 'The simulator admin endpoint answers loopback clients addressing it by a loopback name only' },
  HS_ERR_SIM_ADMIN_ORIGIN: { status: 403, message: 'The simulator admin endpoint refuses requests from web pages (an Origin header)' },
  HS_ERR_SIM_ADMIN_TOKEN: { status: 401, message: 'The simulator admin endpoint needs its token: Authorization: Bearer <data_dir>/secrets/sim-admin.token' },
  HS_ERR_SIM_ADMIN_CONTENT_TYPE: { status: 415, message: 'The simulator admin endpoint takes application/json bodies only' },
  HS_ERR_SPARKPLUG_TOPIC: { status: 400, message: 'Topic is outside the Sparkplug B namespace' },
  HS_ERR_SPARKPLUG_DECODE: { status: 400, message: 'Payload is not a Sparkplug B payload' },
  HS_ERR_SPARKPLUG_ALIAS: { status: 400, message: 'Metric alias is unknown (no birth seen)' },
  HS_ERR_SPARKPLUG_TYPE: { status: 400, message: 'Metric value has the wrong type for its tag' },
  HS_ERR_SPARKPLUG_SEQ: { status: 400, message: 'Sparkplug sequence gap' },
  HS_ERR_SPARKPLUG_TIMESTAMP: { status: 400, message: 'Metric timestamp is not a time in ms since the epoch' },
  HS_ERR_SPARKPLUG_NO_BIRTH: { status: 409, message: 'Message from an edge node or device whose birth was not seen' },
  HS_ERR_SPARKPLUG_DEVICE_OWNER: { status: 409, message: 'Device is carried by another edge node: an operator must move it (heatscada device move)' },
  HS_ERR_BROKER_AUTH: { status: 401, message: 'MQTT client is not authenticated' },
  HS_ERR_BROKER_ACL: { status: 403, message: 'MQTT publish or subscribe is not authorized' },
  HS_ERR_BROKER_CLIENT: { status: 400, message: 'MQTT client connection failed' },
  HS_ERR_BROKER_CLUSTER: { status: 503, message: "The broker cluster's Redis cannot be reached or refused a write" },
  HS_ERR_HISTORIAN_MQTT: { status: 503, message: 'The historian has no working MQTT connection' },
  HS_ERR_HISTORIAN_WRITE: { status: 503, message: 'The historian could not write a batch to the store' },
  HS_ERR_COMMAND_RATE: { status: 429, message: 'Command refused: too soon after the previous one' },
  HS_ERR_CONTROL_STALE: { status: 503, message: 'Control inputs are stale: the loop is frozen for this substation' },
  HS_ERR_CONTROL_OFF: { status: 503, message: 'The control loop is not running' },
  HS_ERR_CONTROL_ACK_TIMEOUT: { status: 504, message: 'No acknowledgement of the command in time' },
  HS_ERR_CONTROL_REFUSED: { status: 409, message: 'A control write was refused' },
  HS_ERR_CONTROL_WATCHDOG: { status: 409, message: 'The PLC watchdog took the substation back to its local loop' },
  HS_ERR_STALE_EPOCH: { status: 409, message: 'Command refused: it carries an older leader epoch than the edge node has seen (a deposed instance)' },
  HS_ERR_STANDBY: { status: 503, message: 'This instance is the standby of a hot-standby pair: the active one writes' },
  HS_ERR_LEASE_LOST: { status: 503, message: 'The leadership lease was lost or could not be renewed: this instance stopped writing' },
  HS_ERR_FORECAST_INVALID: { status: 400, message: 'Weather forecast is invalid: the loop runs on measured weather' },
  HS_ERR_FORECAST_STALE: { status: 503, message: 'Weather forecast is stale or does not reach far enough: the loop runs on measured weather' },
  HS_ERR_FORECAST_READ: { status: 503, message: 'Weather forecast cannot be read: the loop runs on measured weather' },
  HS_ERR_AUTH_REQUIRED: { status: 401, message: 'Sign in first: no valid access token' },
  HS_ERR_AUTH_EXPIRED: { status: 401, message: 'The access token has expired: refresh it or sign in again' },
  HS_ERR_AUTH_FAILED: { status: 401, message: 'Wrong user name or password' },
  HS_ERR_AUTH_RATE: { status: 429, message: 'Too many failed sign-ins: try again later' },
  HS_ERR_FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  HS_ERR_BODY_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  HS_ERR_USER_EXISTS: { status: 409, message: 'A user of that name exists' },
  HS_ERR_BAD_REQUEST: { status: 400, message: 'Request is invalid' },
  HS_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  HS_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  HS_ERR_ALARMS_OFF: { status: 503, message: 'The alarm engine is not running' },
  HS_ERR_ALARM_STATE: { status: 409, message: 'The alarm is not in a state that allows this' },
  HS_ERR_WORK_ORDER_STATE: { status: 409, message: 'The work order cannot move to that state' },
  HS_ERR_SERVICE_ADDRESS: { status: 400, message: 'The address is not in the address book, or the address book is invalid' },
  HS_ERR_SERVICE_STATE: { status: 409, message: 'The complaint cannot move to that state' },
  HS_ERR_SERVICE_OFF: { status: 503, message: "The residents' service is not running" },
  HS_ERR_IMPORT_INVALID: { status: 400, message: 'The import file has bad rows: nothing was imported' },
  HS_ERR_SEASON_OFF: { status: 503, message: 'The season role is not running' },
  HS_ERR_SEASON_JUDGED: { status: 409, message: 'This phase is judged from telemetry: it cannot be ticked by hand' },
  HS_ERR_NOTIFY_FAILED: { status: 502, message: 'A notification could not be delivered (it will be retried)' },
  HS_ERR_STORE_POINT_INVALID: { status: 400, message: 'Point cannot be stored' },
  HS_ERR_STORE_OPEN: { status: 500, message: 'Time-series store cannot be opened' },
  HS_ERR_STORE_WRITE: { status: 503, message: 'Time-series store write failed' },
  HS_ERR_STORE_READ: { status: 503, message: 'Time-series store query failed' },
  HS_ERR_STORE_CLOSED: { status: 503, message: 'Time-series store is closed' },
  HS_ERR_DISK_FULL: { status: 507, message: 'The disk is full: what could not be written is held in memory and retried' },
  HS_ERR_ROLE_STATUS_INVALID: { status: 400, message: 'Role status message is invalid' },
  HS_ERR_AUDIT_MISSING: { status: 500, message: 'The store has no audit trail' },
  HS_ERR_BACKUP_INVALID: { status: 400, message: 'The backup is incomplete or damaged: nothing was restored' },
  HS_ERR_RESTORE_IN_USE: { status: 409, message: 'A running process has the data open: stop the platform before restoring' },
  HS_ERR_RESTORE_EXISTS: { status: 409, message: 'Restoring would replace existing data: --force replaces it' },
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
