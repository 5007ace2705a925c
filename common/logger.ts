// Structured JSON logs, one line per record, from pino: `time` (ISO), `level` (debug|info|warn|error),
// `message`, then the logger's bound fields (component, worker, adapter, correlationUid, organisation, device
// ...) and the call's own. The Temporal SDK's log (temporalLogger below) goes through the same logger, so a
// process writes one format only.
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function createLogger(
  base: LogFields = {},
  minimum: LogLevel = (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const root = pino(
    {
      level: minimum,
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors as name and message (a stack only where a call site adds one), wherever they sit in the fields.
      serializers: { error: errorFields, err: errorFields },
    },
    { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
  );
  return wrap(Object.keys(base).length ? root.child(base) : root);
}

function wrap(logger: pino.Logger): Logger {
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (fields) logger[level](fields, message);
    else logger[level](message);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => wrap(logger.child(fields)),
  };
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** The Temporal SDK's log levels (its Logger interface, structurally: common/ imports no SDK). */
type TemporalLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const temporalRank: Record<TemporalLogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
const temporalToOurs: Record<TemporalLogLevel, LogLevel> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

export interface TemporalSdkLogger {
  log(level: TemporalLogLevel, message: string, meta?: Record<string, unknown>): void;
  trace(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/**
 * A logger for `Runtime.install({ logger })`: the SDK's records (worker state, workflow and activity logs with
 * their workflowId, activityType, taskQueue ...) as lines of ours, from `minimum` up, marked `source: temporal`.
 */
export function temporalLogger(logger: Logger, minimum: TemporalLogLevel): TemporalSdkLogger {
  const sdk = logger.child({ source: 'temporal' });
  const log = (level: TemporalLogLevel, message: string, meta?: Record<string, unknown>) => {
    if (temporalRank[level] < temporalRank[minimum]) return;
    sdk[temporalToOurs[level]](message, meta ? sdkFields(meta) : undefined);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** The SDK's meta without its own `level` and with the workflow id (our correlation uid) named as ours. */
function sdkFields(meta: Record<string, unknown>): LogFields {
  const { level: _level, ...rest } = meta;
  // Request workflows run under their correlation uid as workflow id (core/requests/start-request.ts).
  return typeof rest.workflowId === 'string' ? { correlationUid: rest.workflowId, ...rest } : rest;
}
