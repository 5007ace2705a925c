/**
 * Reproducers of the API defects fuzzing found (issue 10), against the real API, PostgreSQL and Temporal:
 * each input is refused with a 4xx that names what is wrong, never a 500.
 */
import { newOslpDeviceBody } from '../support/devices';
import type { ErrorResponse } from '../../api/contracts/common';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
const deviceIdentification = `BAD-INPUT-${run}`;
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false });
  const added = await platform.client(platform.adminKey).core.addDevice({
    body: newOslpDeviceBody(deviceIdentification),
  });
  expect(added.status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
});

interface Answer {
  status: number;
  body: ErrorResponse;
}

async function call(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${platform.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json', ...options.headers },
    body: options.body,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as ErrorResponse };
}

const fieldsOf = (answer: Answer) => (answer.body.issues ?? []).map((issue) => issue.field);

describe('a JSON body in a charset or encoding the API does not read', () => {
  test('is 415, not 500', async () => {
    const latin1 = await call('POST', '/v1/admin/api-keys', {
      headers: { 'content-type': 'application/json; charset=latin1' },
      body: '{"label":"x"}',
    });
    expect(latin1.status).toBe(415);
    expect(latin1.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(fieldsOf(latin1)).toEqual(['header.content-type']);

    const compressed = await call('POST', '/v1/admin/api-keys', { headers: { 'content-encoding': 'compress' }, body: '{"label":"x"}' });
    expect(compressed.status).toBe(415);
    expect(compressed.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(fieldsOf(compressed)).toEqual(['header.content-encoding']);
  });
});

describe('a date-time PostgreSQL cannot store', () => {
  // Year 0 does not exist in PostgreSQL's calendar; the second one is year 0 in UTC.
  const instants = ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00'];
  const routes = ['/v1/requests', '/v1/core/events', '/v1/admin/message-logs'];

  test.each(routes)('in a filter of %s is 400 naming the field', async (route) => {
    for (const instant of instants) {
      for (const field of ['from', 'to']) {
        const answer = await call('GET', `${route}?${field}=${encodeURIComponent(instant)}`);
        expect({ instant, field, status: answer.status }).toEqual({ instant, field, status: 400 });
        expect(fieldsOf(answer)).toContain(`query.${field}`);
      }
    }
  });
});

describe('a NUL character in a free-text field', () => {
  const nul = 'a\u0000b';
  const cases: Array<{ name: string; method: string; path: () => string; body: () => object; field: string }> = [
    { name: 'setDeviceAlias', method: 'PUT', path: () => `/v1/core/devices/${deviceIdentification}/alias`, body: () => ({ alias: nul }), field: 'body.alias' },
    { name: 'updateDevice', method: 'PUT', path: () => `/v1/core/devices/${deviceIdentification}`, body: () => ({ alias: nul }), field: 'body.alias' },
    {
      name: 'createOrganisation',
      method: 'POST',
      path: () => '/v1/admin/organisations',
      body: () => ({ organisationIdentification: `nul-${run}`, name: nul }),
      field: 'body.name',
    },
    {
      name: 'changeOrganisation',
      method: 'PUT',
      path: () => `/v1/admin/organisations/nul-${run}`,
      body: () => ({ name: nul, platformFunctionGroup: 'USER' }),
      field: 'body.name',
    },
    { name: 'createApiKey', method: 'POST', path: () => '/v1/admin/api-keys', body: () => ({ label: nul }), field: 'body.label' },
    {
      name: 'createDeviceGroup',
      method: 'POST',
      path: () => '/v1/core/device-groups',
      body: () => ({ groupIdentification: `nul-${run}`, kind: 'STATIC', description: nul }),
      field: 'body.description',
    },
    {
      name: 'createLightingSchedule',
      method: 'POST',
      path: () => '/v1/public-lighting/lighting-schedules',
      body: () => ({
        identification: `nul-${run}`,
        description: nul,
        timeZone: 'Europe/Amsterdam',
        deviceIdentifications: [deviceIdentification],
        entries: [{ kind: 'calendar', daysOfWeek: ['MONDAY'], time: '20:00', lightValues: [{ index: 0, on: true }] }],
      }),
      field: 'body.description',
    },
    {
      name: 'setNotificationWebhook',
      method: 'PUT',
      path: () => '/v1/core/notification-webhook',
      body: () => ({ url: 'http://127.0.0.1:9/hook', secret: `0123456789abcdef${nul}` }),
      field: 'body.secret',
    },
  ];

  test('in a request\'s correlation uid (getRequest, cancelRequest; found by the contract fuzz suite) is 400 naming it', async () => {
    for (const [method, suffix] of [['GET', ''], ['POST', '/cancel']]) {
      const answer = await call(method, `/v1/requests/${encodeURIComponent(nul)}${suffix}`);
      expect(answer.status).toBe(400);
      expect(fieldsOf(answer)).toContain('path.correlationUid');
    }
  });

  test.each(cases)('in $name is 400 naming $field', async ({ method, path, body, field }) => {
    const answer = await call(method, path(), { body: JSON.stringify(body()) });
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain(field);
  });
});

describe('the Authorization header', () => {
  const devices = (authorization: string) =>
    fetch(`${platform.baseUrl}/v1/core/devices?limit=1`, { headers: { authorization } }).then((response) => response.status);

  test('is exactly "Bearer <key>": anything after the key, another case or extra spaces are 401', async () => {
    expect(await devices(`Bearer ${platform.adminKey}`)).toBe(200);
    expect(await devices(`Bearer ${platform.adminKey} junk`)).toBe(401);
    expect(await devices(`bearer ${platform.adminKey}`)).toBe(401);
    expect(await devices(`BEARER ${platform.adminKey}`)).toBe(401);
    expect(await devices(`Bearer  ${platform.adminKey}`)).toBe(401);
    expect(await devices(`Basic ${platform.adminKey}`)).toBe(401);
  });
});
