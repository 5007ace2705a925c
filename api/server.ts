// The HTTP API: ts-rest contracts served by Express. Exported without `listen` so tests drive it in-process.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { createExpressEndpoints, initServer, type RequestValidationError } from '@ts-rest/express';
import type { ZodError } from 'zod';
import { randomUUID } from 'node:crypto';
import { latencyBuckets, MetricsRegistry } from '../common/metrics';
import { probe } from '../common/ops-server';
import { findOrganisationByApiKey } from './api-keys';
import { type AuthenticatedOrganisation } from '../core/organisations';
import { DatabaseRateLimiter, InMemoryRateLimiter, rateLimitHeaders, type RateLimit, type RateLimiter } from './rate-limit';
import { authenticateByClientCertificate, certificateConflict, type Authentication } from './tls';
import { platformContract } from './contract';
import type { ApiDeps } from './context';
import type { ErrorResponse } from './contracts/common';
import { ApiError } from './errors';
import { DomainError, type DomainErrorKind } from '../core/errors';
import { adminHandlers } from './handlers/admin';
import { coreHandlers } from './handlers/core';
import { coreEventsHandlers } from './handlers/core-events';
import { coreFirmwareHandlers } from './handlers/core-firmware';
import { serveFirmwareDownload } from '../core/firmware/device-firmware';
import { deviceGroupsHandlers } from './handlers/device-groups';
import { publicLightingHandlers } from './handlers/public-lighting';
import { lightingSchedulesHandlers } from './handlers/lighting-schedules';
import { smartMeteringHandlers } from './handlers/smart-metering';
import { publicLightingDeviceHandlers } from './handlers/public-lighting-device';
import { coreLightMeasurementHandlers } from './handlers/core-light-measurement';
import { tariffSwitchingHandlers } from './handlers/tariff-switching';
import { requestsHandlers } from './handlers/requests';
import { coreConfigurationHandlers } from './handlers/core-configuration';
import { adminNetworkHandlers } from './handlers/admin-network';
import { buildOpenApiDocument } from './openapi';
import { docsRouter } from './docs';
import { consoleRouter, type ConsoleOptions } from './console';

export interface AppOptions {
  /** Validate responses against the contract too (on in tests). */
  responseValidation?: boolean;
  metrics?: MetricsRegistry;
  /** Requests per organisation, shared by every API process on the database; default 50/s with bursts of 200. */
  rateLimit?: RateLimit;
  /**
   * Where the buckets live: the database (default), shared by every API process on it; or this process's memory,
   * for the embedded database, which no other process can open (so a statement per request would buy nothing).
   */
  rateLimitStore?: 'database' | 'memory';
  /** How long /health waits for the database and for Temporal before reporting them unavailable; default 2 s. */
  healthProbeTimeoutMs?: number;
  /** The operator console at /console: where it is built and which Temporal Web UI it links to. */
  console?: ConsoleOptions;
}

const DEFAULT_HEALTH_PROBE_TIMEOUT_MS = 2_000;

export function createApp(deps: ApiDeps, options: AppOptions = {}): express.Express {
  const app = express();
  const metrics = options.metrics ?? new MetricsRegistry();
  const httpRequests = metrics.counter('osgp_http_requests_total', 'HTTP requests by route and status', ['method', 'route', 'status']);
  const httpDuration = metrics.histogram(
    'osgp_http_request_duration_seconds',
    'HTTP request handling time by method, route (the contract path, not the URL) and status',
    ['method', 'route', 'status'],
    latencyBuckets,
  );
  const openApi = buildOpenApiDocument();

  app.disable('x-powered-by');
  // Request id and access log: a caller's X-Request-Id (when it is a plain token) or a new one, returned in
  // the response and written with the access log line, so a caller's report finds the log.
  app.use((req, res, next) => {
    const sent = req.header('x-request-id');
    const requestId = sent && requestIdPattern.test(sent) ? sent : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const stopTimer = httpDuration.startTimer();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      httpRequests.inc(labels);
      const seconds = stopTimer(labels);
      const organisation = (res.locals.organisation as AuthenticatedOrganisation | undefined)?.identification;
      deps.logger.info('http request', {
        requestId,
        method: req.method,
        route: labels.route,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        durationMs: Math.round(seconds * 1000),
        ...(organisation ? { organisation } : {}),
      });
    });
    next();
  });
  // addDevices and updateDevices carry up to 10,000 devices (with PEM keys about 3.5 MB); every other body stays small.
  const bulkBody = express.json({ limit: '8mb' });
  app.use('/v1/core/devices', (req, res, next) =>
    (req.method === 'POST' && req.path === '/bulk') || (req.method === 'PATCH' && req.path === '/') ? bulkBody(req, res, next) : next(),
  );
  // Firmware uploads carry the image in Base64 (4/3 of its size): room for the configured limit, so an image
  // over it is refused by the core with a 400 naming body.file; far larger bodies stay a 413.
  const firmwareBody = express.json({ limit: Math.ceil(((deps.firmware?.maxSizeBytes ?? 0) * 4) / 3) + 1024 * 1024 * 2 });
  app.use('/v1/core/firmwares', (req, res, next) => (req.method === 'POST' || req.method === 'PUT') && req.path === '/' ? firmwareBody(req, res, next) : next());
  app.use(express.json({ limit: '1mb' }));

  const probeTimeoutMs = options.healthProbeTimeoutMs ?? DEFAULT_HEALTH_PROBE_TIMEOUT_MS;
  app.get('/health', async (_req, res) => {
    const checks = await Promise.all([
      probe(() => deps.prisma.$queryRawUnsafe('SELECT 1'), probeTimeoutMs),
      // The deadline ends the gRPC call itself (and its retries), not only our wait for it.
      probe(
        () => deps.temporal.withDeadline(Date.now() + probeTimeoutMs, () => deps.temporal.workflowService.getSystemInfo({})),
        probeTimeoutMs,
      ),
    ]);
    const [database, temporal] = checks;
    const healthy = checks.every((c) => c === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', database, temporal });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use('/docs', docsRouter());
  app.get('/metrics', (_req, res, next) => {
    metrics.render().then((text) => res.type(metrics.contentType).send(text), next);
  });

  app.use('/console', consoleRouter(options.console));

  // Devices download firmware here, outside /v1: the token in the URL is their authorisation (made for one
  // device and one firmware, expiring). A refusal is logged with the device the token names.
  app.get('/firmware/:firmwareId/:token', async (req, res, next) => {
    try {
      const firmware = deps.firmware;
      if (!firmware) {
        res.status(503).json({ error: 'FIRMWARE_UNAVAILABLE', message: 'Firmware management is not configured' } satisfies ErrorResponse);
        return;
      }
      const outcome = await serveFirmwareDownload(deps.prisma, firmware, req.params.firmwareId, req.params.token, Date.now());
      if (!outcome.ok) {
        deps.logger.warn('firmware download refused', { firmwareId: req.params.firmwareId, device: outcome.deviceIdentification, reason: outcome.reason, from: req.ip });
        res.status(outcome.status).json({ error: outcome.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND', message: `Firmware download refused: ${outcome.reason}` } satisfies ErrorResponse);
        return;
      }
      deps.logger.info('firmware downloaded', { firmwareId: req.params.firmwareId, device: outcome.deviceIdentification, bytes: outcome.content.length });
      res.set({
        'Content-Type': 'application/octet-stream',
        'X-OSGP-Firmware-SHA256': outcome.sha256,
        'X-OSGP-Firmware-Version': outcome.version,
        'Cache-Control': 'no-store',
      });
      res.send(outcome.content);
    } catch (error) {
      next(error);
    }
  });

  const rateLimit = options.rateLimit ?? { perSecond: 50, burst: 200 };
  const limiter = options.rateLimitStore === 'memory' ? new InMemoryRateLimiter(rateLimit) : new DatabaseRateLimiter(deps.prisma, rateLimit);
  app.use('/v1', authenticate(deps), limitRate(limiter));

  const s = initServer();
  const router = s.router(platformContract, {
    admin: { ...adminHandlers(deps), ...adminNetworkHandlers(deps) },
    core: {
      ...coreHandlers(deps),
      ...coreEventsHandlers(deps),
      ...coreLightMeasurementHandlers(deps),
      ...deviceGroupsHandlers(deps),
      ...coreFirmwareHandlers(deps),
      ...coreConfigurationHandlers(deps),
    },
    publicLighting: { ...publicLightingHandlers(deps), ...lightingSchedulesHandlers(deps), ...publicLightingDeviceHandlers(deps) },
    requests: requestsHandlers(deps),
    smartMetering: smartMeteringHandlers(deps),
    tariffSwitching: tariffSwitchingHandlers(deps),
  });
  createExpressEndpoints(platformContract, router, app, {
    responseValidation: options.responseValidation ?? false,
    requestValidationErrorHandler: (error: RequestValidationError, _req, res) => {
      res.status(400).json(validationFailure(error));
    },
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'NOT_FOUND', message: 'No such route' } satisfies ErrorResponse);
  });
  app.use(errorHandler(deps));
  return app;
}

const ownRoutes = new Set(['/health', '/metrics', '/openapi.json']);

function routeOf(req: express.Request): string {
  const route = (req as express.Request & { tsRestRoute?: { path: string } }).tsRestRoute;
  if (route) return route.path;
  // Anything else by a bounded name: raw URLs as labels would grow the metrics without end.
  const path = req.originalUrl.split('?')[0];
  return ownRoutes.has(path) ? path : 'unmatched';
}

/** An X-Request-Id the API adopts: up to 128 letters, digits and -_.:; anything else gets a new id. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The key of an `Authorization: Bearer <key>` header: exactly that scheme, one space and one token, so a
 * header with anything else (another case, extra words, a second space) is refused rather than read loosely.
 */
const bearerHeader = /^Bearer ([^\s]+)$/;

/** A Bearer API key, or else a verified client certificate (mutual TLS); both at once must agree. */
function authenticate({ prisma }: ApiDeps): RequestHandler {
  return (req, res, next) => {
    const authorization = req.header('authorization');
    const key = authorization === undefined ? undefined : bearerHeader.exec(authorization)?.[1];
    const caller: Promise<Authentication> =
      authorization === undefined
        ? authenticateByClientCertificate(prisma, req)
        : key === undefined
          ? Promise.resolve({ refused: 'The Authorization header must be "Bearer <API key>"' })
          : findOrganisationByApiKey(prisma, key).then((organisation) => {
              if (!organisation) return { refused: 'Unknown or revoked API key' };
              const conflict = certificateConflict(req, organisation);
              return conflict ? { refused: conflict } : { organisation };
            });
    caller.then((outcome) => {
      if ('refused' in outcome) {
        res.status(401).json({ error: 'UNAUTHENTICATED', message: outcome.refused } satisfies ErrorResponse);
        return;
      }
      res.locals.organisation = outcome.organisation;
      next();
    }, next);
  };
}

function limitRate(limiter: RateLimiter): RequestHandler {
  return (_req, res, next) => {
    const organisation = res.locals.organisation as AuthenticatedOrganisation;
    limiter.take(organisation.id).then((decision) => {
      res.set(rateLimitHeaders(limiter.limit, decision));
      if (decision.allowed) return next();
      res.status(429).json({
        error: 'RATE_LIMITED',
        message: `Too many requests for organisation ${organisation.identification}; retry after ${decision.retryAfterSeconds} s`,
      } satisfies ErrorResponse);
    }, next);
  };
}

function validationFailure(error: RequestValidationError): ErrorResponse {
  const parts: Array<[string, ZodError | null]> = [
    ['path', error.pathParams],
    ['header', error.headers],
    ['query', error.query],
    ['body', error.body],
  ];
  const issues = parts.flatMap(([where, zodError]) =>
    (zodError?.issues ?? []).map((issue) => ({ field: [where, ...issue.path].join('.'), message: issue.message })),
  );
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return { error: 'VALIDATION_FAILED', message: `Invalid request: ${summary}`, issues };
}

/** How the core's refusals answer over HTTP. */
const statusOfDomainError: Record<DomainErrorKind, 400 | 403 | 404 | 409 | 503> = {
  INVALID: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
};

/** A field the core names (e.g. `deviceIdentifications`) as the client sent it: in the body, the query or the path. */
function fieldAsSent(req: express.Request, field: string): string {
  const [head] = field.split('.');
  const has = (source: unknown) => typeof source === 'object' && source !== null && head in source;
  if (has(req.body)) return `body.${field}`;
  if (has(req.query)) return `query.${field}`;
  if (has(req.params)) return `path.${field}`;
  return field;
}

/** The one place errors become answers: the API's own (ApiError), the core's (DomainError), bodies express.json() refused, and the rest as 500. */
function errorHandler({ logger }: ApiDeps): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known =
      error instanceof ApiError
        ? { status: error.status, code: error.code, field: error.field }
        : error instanceof DomainError
          ? { status: statusOfDomainError[error.kind], code: error.code, field: error.field && fieldAsSent(req, error.field) }
          : undefined;
    if (known && error instanceof Error) {
      const issues = known.field ? [{ field: known.field, message: error.message }] : undefined;
      res.status(known.status).json({ error: known.code, message: error.message, issues } satisfies ErrorResponse);
      return;
    }
    const refusal = bodyRefusal(error);
    if (refusal) {
      res.status(refusal.status).json(refusal.body);
      return;
    }
    logger.error('unhandled error', { method: req.method, path: req.path, error, stack: (error as Error)?.stack });
    res.status(500).json({ error: 'INTERNAL', message: 'Internal error; it has been logged' } satisfies ErrorResponse);
  };
}

/**
 * What express.json() refuses before any handler runs, answered with its own 4xx (body-parser marks them
 * with a `type`): a body that is not JSON (400), too large (413), or in a charset or content encoding it
 * cannot read (415; unhandled, these were answered 500).
 */
function bodyRefusal(error: unknown): { status: 400 | 413 | 415; body: ErrorResponse } | null {
  const { status, type } = (error ?? {}) as { status?: number; type?: string };
  const refused = (statusCode: 400 | 413 | 415, code: string, field: string, message: string) => ({
    status: statusCode,
    body: { error: code, message, issues: [{ field, message }] },
  });
  if (type === 'charset.unsupported') {
    return refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'header.content-type', 'JSON bodies must be UTF-8 (charset=utf-8 or none)');
  }
  if (type === 'encoding.unsupported') {
    return refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'header.content-encoding', 'Content-Encoding must be identity, gzip or deflate');
  }
  if (status === 413) return refused(413, 'VALIDATION_FAILED', 'body', 'Request body is too large');
  if (status === 400) return refused(400, 'VALIDATION_FAILED', 'body', 'Request body is not valid JSON');
  return null;
}
