import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../common/config';
import { databaseSettings, temporalConnectionSettings, temporalConnectOptions } from '../../../common/connection-settings';

let dir: string;
let ca: string;
let cert: string;
let key: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-settings-'));
  ca = path.join(dir, 'ca.pem');
  cert = path.join(dir, 'client.pem');
  key = path.join(dir, 'client.key');
  fs.writeFileSync(ca, 'CA PEM');
  fs.writeFileSync(cert, 'CERT PEM');
  fs.writeFileSync(key, 'KEY PEM');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('temporalConnectionSettings', () => {
  it('is plaintext to no address (the embedded dev server) when nothing is set', () => {
    const settings = temporalConnectionSettings({});
    expect(settings).toMatchObject({ address: undefined, namespace: 'default', tls: undefined, apiKey: undefined });
  });

  it('reads mutual TLS from the TEMPORAL_TLS_* variables', () => {
    const settings = temporalConnectionSettings({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'osgp',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    });
    expect(settings.address).toBe('temporal.example:7233');
    expect(settings.namespace).toBe('osgp');
    expect(settings.source).toContain('mutual TLS');
    const tls = settings.tls as { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
    expect(tls.serverNameOverride).toBe('frontend.temporal');
    expect(tls.serverRootCACertificate?.toString()).toBe('CA PEM');
    expect(tls.clientCertPair?.crt.toString()).toBe('CERT PEM');
    expect(tls.clientCertPair?.key.toString()).toBe('KEY PEM');
    expect(temporalConnectOptions(settings)).toEqual({ address: 'temporal.example:7233', tls: settings.tls });
  });

  it('refuses a client certificate without its key, naming the missing variable', () => {
    expect(() =>
      temporalConnectionSettings({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: cert }),
    ).toThrow(/without its private key: set TEMPORAL_TLS_CLIENT_KEY_PATH/);
    expect(() => temporalConnectionSettings({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CLIENT_KEY_PATH: key })).toThrow(
      /without its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
  });

  it('refuses a certificate path with no file, naming the variable and the path', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => temporalConnectionSettings({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing })).toThrow(
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH=${missing}: no readable file there`,
    );
  });

  it('refuses TLS or an API key without an address', () => {
    expect(() => temporalConnectionSettings({ TEMPORAL_API_KEY: 'secret' })).toThrow(/no address: set TEMPORAL_ADDRESS/);
    expect(() => temporalConnectionSettings({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca })).toThrow(/no address: set TEMPORAL_ADDRESS/);
  });

  it('passes an API key on (the SDK then uses TLS with the system CAs)', () => {
    const settings = temporalConnectionSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret' });
    expect(temporalConnectOptions(settings)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'secret' });
    expect(settings.source).not.toContain('secret');
  });

  it('reads a profile of a Temporal client config file, with the variables overriding it', () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.prod]',
        'address = "cluster.internal:7233"',
        'namespace = "osgp-prod"',
        '[profile.prod.tls]',
        `server_ca_cert_path = "${ca}"`,
        `client_cert_path = "${cert}"`,
        `client_key_path = "${key}"`,
        '',
      ].join('\n'),
    );
    const settings = temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'override' });
    expect(settings.address).toBe('cluster.internal:7233');
    expect(settings.namespace).toBe('override');
    expect(settings.source).toContain('profile "prod"');
    expect((settings.tls as { clientCertPair?: { key: Buffer } }).clientCertPair?.key.toString()).toBe('KEY PEM');
  });

  it('refuses a profile with a client certificate and no key', () => {
    const file = path.join(dir, 'half.toml');
    fs.writeFileSync(file, ['[profile.default]', 'address = "c:7233"', '[profile.default.tls]', `client_cert_path = "${cert}"`, ''].join('\n'));
    expect(() => temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file })).toThrow(/profile "default" of .*half\.toml\) without its private key/);
  });

  it('names the config file when it cannot be read', () => {
    expect(() => temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') })).toThrow(
      /TEMPORAL_CONFIG_FILE=.*missing\.toml: no readable file there/,
    );
  });
});

describe('databaseSettings', () => {
  it('defaults to a pool of 10 and the embedded database', () => {
    expect(databaseSettings({})).toEqual({ poolSize: 10 });
  });

  it('verifies the server against DATABASE_TLS_CA_PATH, dropping the URL ssl parameters that would override it', () => {
    const settings = databaseSettings({
      DATABASE_URL: 'postgres://osgp:pw@db.internal:5432/osgp?sslmode=verify-full&application_name=osgp',
      DATABASE_TLS_CA_PATH: ca,
      DATABASE_POOL_SIZE: '25',
    });
    expect(settings.poolSize).toBe(25);
    expect(settings.ssl).toEqual({ ca: 'CA PEM', rejectUnauthorized: true });
    expect(settings.url).toBe('postgres://osgp:pw@db.internal:5432/osgp?application_name=osgp');
  });

  it('refuses a CA with TLS disabled, a bad pool size and a bad sslmode', () => {
    expect(() => databaseSettings({ DATABASE_URL: 'postgres://h/db?sslmode=disable', DATABASE_TLS_CA_PATH: ca })).toThrow(/sslmode=disable/);
    expect(() => databaseSettings({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE=0/);
    expect(() => databaseSettings({ DATABASE_POOL_SIZE: 'many' })).toThrow(/DATABASE_POOL_SIZE=many/);
    expect(() => databaseSettings({ DATABASE_URL: 'postgres://h/db?sslmode=sometimes' })).toThrow(/sslmode=sometimes/);
    expect(() => databaseSettings({ DATABASE_TLS_CA_PATH: ca })).toThrow(/without DATABASE_URL/);
  });
});

describe('loadConfig', () => {
  it('turns a connection settings problem into a ConfigError', () => {
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toThrow(ConfigError);
  });

  it('carries the checked settings', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'x:7233', DATABASE_URL: 'postgres://h/db', DATABASE_POOL_SIZE: '3' });
    expect(config.temporal.address).toBe('x:7233');
    expect(config.TEMPORAL_ADDRESS).toBe('x:7233');
    expect(config.database).toEqual({ url: 'postgres://h/db', poolSize: 3 });
  });
});
