// The HTTP API: ts-rest contracts served by Express. Exported without `listen` so tests drive it in-process.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { createExpressEndpoints, initServer, type RequestValidationError } from '@ts-rest/express';
import type { ZodError } from 'zod';
import { MetricsRegistry } from '../common/metrics';
import { findOrganisationByApiKey } from './api-keys';
import { type AuthenticatedOrganisation } from '../core/organisations';
import { RateLimiter, type RateLimit } from './rate-limit';
import { authenticateByClientCertificate, certificateConflict, type Authentication } from './tls';
import { platformContract } from './contract';
import type { ApiDeps } from './context';
import type { ErrorResponse } from './contracts/common';
import { ApiError } from './errors';
import { DomainError, type DomainErrorKind } from '../core/errors';
import { adminHandlers } from './handlers/admin';
import { coreHandlers } from './handlers/core';
import { coreEventsHandlers } from './handlers/core-events';
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

export interface AppOptions {
  /** Validate responses against the contract too (on in tests). */
  responseValidation?: boolean;
  metrics?: MetricsRegistry;
  /** Requests per organisation; default 50/s with bursts of 200. */
  rateLimit?: RateLimit;
  /** How long /health waits for the database and for Temporal before reporting them unavailable; default 2 s. */
  healthProbeTimeoutMs?: number;
}

const DEFAULT_HEALTH_PROBE_TIMEOUT_MS = 2_000;

export function createApp(deps: ApiDeps, options: AppOptions = {}): express.Express {
  const app = express();
  const metrics = options.metrics ?? new MetricsRegistry();
  const httpRequests = metrics.counter('osgp_http_requests_total', 'HTTP requests by route and status');
  const openApi = buildOpenApiDocument();

  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.on('finish', () => httpRequests.inc({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    next();
  });
  // addDevices and updateDevices carry up to 10,000 devices (with PEM keys about 3.5 MB); every other body stays small.
  const bulkBody = express.json({ limit: '8mb' });
  app.use('/v1/core/devices', (req, res, next) =>
    (req.method === 'POST' && req.path === '/bulk') || (req.method === 'PATCH' && req.path === '/') ? bulkBody(req, res, next) : next(),
  );
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
  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(metrics.render());
  });

  app.use('/v1', authenticate(deps), limitRate(new RateLimiter(options.rateLimit ?? { perSecond: 50, burst: 200 })));

  const s = initServer();
  const router = s.router(platformContract, {
    admin: { ...adminHandlers(deps), ...adminNetworkHandlers(deps) },
    core: {
      ...coreHandlers(deps),
      ...coreEventsHandlers(deps),
      ...coreLightMeasurementHandlers(deps),
      ...deviceGroupsHandlers(deps),
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

function routeOf(req: express.Request): string {
  const route = (req as express.Request & { tsRestRoute?: { path: string } }).tsRestRoute;
  return route?.path ?? (req.path.startsWith('/v1') ? 'unmatched' : req.path);
}

/** 'ok' when the check succeeds within `timeoutMs`; a check that fails or is still waiting then is 'unavailable'. */
async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), timeoutMs);
  });
  const outcome = check().then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  try {
    return await Promise.race([outcome, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

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
    const decision = limiter.take(organisation.id);
    if (decision.allowed) return next();
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    res.status(429).json({
      error: 'RATE_LIMITED',
      message: `Too many requests for organisation ${organisation.identification}; retry after ${decision.retryAfterSeconds} s`,
    } satisfies ErrorResponse);
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
