/**
 * Mutual TLS as an option next to API keys: the platform served over HTTPS with a throwaway CA (made with the
 * openssl CLI), clients with certificates whose common name is (or is not) an organisation's identification.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
const city = `city-${run}`;
const contractor = `contractor-${run}`;
let dir: string;
let platform: TestPlatform;
let cityKey: string;
let contractorKey: string;

const opensslConfig = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
`;

const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA: `<name>.pem` and `<name>.key`. */
function createCa(name: string): void {
  openssl('req', '-x509', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '1',
    '-subj', `/CN=${name}`, '-config', file('openssl.cnf'), '-extensions', 'ca');
}

/** A certificate with the given subject CN and extensions section, signed by a CA of createCa. */
function issue(name: string, commonName: string, extensions: 'server' | 'client', ca = 'ca'): { cert: Buffer; key: Buffer } {
  openssl('req', '-new', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${commonName}`,
    '-config', file('openssl.cnf'));
  openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`),
    '-set_serial', String(randomInt(1, 2 ** 47)), '-days', '1', '-out', file(`${name}.pem`),
    '-extfile', file('openssl.cnf'), '-extensions', extensions);
  return { cert: fs.readFileSync(file(`${name}.pem`)), key: fs.readFileSync(file(`${name}.key`)) };
}

let clients: Record<'city' | 'contractor' | 'nobody' | 'foreign', { cert: Buffer; key: Buffer }>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-mtls-'));
  fs.writeFileSync(file('openssl.cnf'), opensslConfig);
  createCa('ca');
  createCa('other-ca');
  issue('server', '127.0.0.1', 'server');
  clients = {
    city: issue('city', city, 'client'),
    contractor: issue('contractor', contractor, 'client'),
    nobody: issue('nobody', `nobody-${run}`, 'client'),
    // The right common name, but signed by a CA the platform does not trust.
    foreign: issue('foreign', city, 'client', 'other-ca'),
  };
  platform = await startTestPlatform({
    workers: false,
    tls: { cert: file('server.pem'), key: file('server.key'), ca: file('ca.pem') },
  });
  cityKey = await platform.createOrganisation(city);
  contractorKey = await platform.createOrganisation(contractor);
});

afterAll(async () => {
  await platform?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { message?: string; apiKeys?: Array<{ organisationIdentification: string }> };
}

/** GET over HTTPS, trusting the test CA, with an optional client certificate and API key. */
function get(route: string, { certificate, apiKey }: { certificate?: { cert: Buffer; key: Buffer }; apiKey?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${platform.baseUrl}${route}`,
      {
        ca: fs.readFileSync(file('ca.pem')),
        ...certificate,
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'] }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the platform is served over HTTPS', () => {
  expect(platform.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test("a client certificate whose common name is an organisation's identification authenticates it without an API key", async () => {
  const unknownRequest = await get('/v1/requests/no-such-request', { certificate: clients.city });
  expect(unknownRequest.status).toBe(404);
  // The caller is that organisation: its own keys are listed.
  const keys = await get('/v1/admin/api-keys', { certificate: clients.city });
  expect(keys.status).toBe(200);
  expect(keys.body.apiKeys?.map((k) => k.organisationIdentification)).toEqual([city]);
  const other = await get('/v1/admin/api-keys', { certificate: clients.contractor });
  expect(other.body.apiKeys?.map((k) => k.organisationIdentification)).toEqual([contractor]);
});

test('a certificate signed by another CA is refused, even with the right common name', async () => {
  const answer = await get('/v1/admin/api-keys', { certificate: clients.foreign });
  expect(answer.status).toBe(401);
  expect(answer.body.message).toContain('client certificate is not accepted');
});

test('a certificate whose common name is no organisation is refused, naming it', async () => {
  const answer = await get('/v1/admin/api-keys', { certificate: clients.nobody });
  expect(answer.status).toBe(401);
  expect(answer.body.message).toBe(`No organisation matches the client certificate's common name "nobody-${run}"`);
});

test("an API key of another organisation than the certificate's is refused; the organisation's own key is accepted", async () => {
  const mismatch = await get('/v1/admin/api-keys', { certificate: clients.city, apiKey: contractorKey });
  expect(mismatch.status).toBe(401);
  expect(mismatch.body.message).toContain(`("${city}") belong to different organisations`);
  const same = await get('/v1/admin/api-keys', { certificate: clients.city, apiKey: cityKey });
  expect(same.status).toBe(200);
  expect(same.body.apiKeys?.map((k) => k.organisationIdentification)).toEqual([city]);
});

test('API keys alone still work over HTTPS; an unverified certificate does not stand in the way of a valid key', async () => {
  const keyOnly = await get('/v1/admin/api-keys', { apiKey: contractorKey });
  expect(keyOnly.status).toBe(200);
  expect(keyOnly.body.apiKeys?.map((k) => k.organisationIdentification)).toEqual([contractor]);
  const withForeign = await get('/v1/admin/api-keys', { certificate: clients.foreign, apiKey: contractorKey });
  expect(withForeign.status).toBe(200);
  const badKey = await get('/v1/admin/api-keys', { certificate: clients.city, apiKey: 'osgp_0000000000000000_nope' });
  expect(badKey.status).toBe(401);
});

test('neither key nor certificate: 401 saying both ways in', async () => {
  const answer = await get('/v1/admin/api-keys');
  expect(answer.status).toBe(401);
  expect(answer.body.message).toBe('Send an API key: Authorization: Bearer <key>, or a client certificate');
});
