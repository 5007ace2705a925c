import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { ConfigError } from '../../../common/config';
import {
  clientCertificateOf,
  createApiServer,
  organisationIdentificationFromClientCertificate,
  tlsEnabled,
} from '../../../api/tls';

const app: http.RequestListener = (_req, res) => res.end();

describe('configuration', () => {
  test('without TLS variables the API is plain HTTP', () => {
    expect(tlsEnabled({})).toBe(false);
    const server = createApiServer(app, {});
    expect(server).toBeInstanceOf(http.Server);
    expect(server).not.toBeInstanceOf(https.Server);
  });

  test('only some of the three TLS variables: refused, naming the missing ones', () => {
    const partial = { TLS_CERT_FILE: 'server.pem', TLS_CLIENT_CA_FILE: 'ca.pem' };
    expect(() => createApiServer(app, partial)).toThrow(ConfigError);
    expect(() => createApiServer(app, partial)).toThrow(
      'Invalid configuration: mutual TLS needs TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE together; missing TLS_KEY_FILE',
    );
    expect(() => tlsEnabled({ TLS_KEY_FILE: 'server.key' })).toThrow('missing TLS_CERT_FILE, TLS_CLIENT_CA_FILE');
  });

  test('all three set but a file unreadable: refused, naming the variable and the file', () => {
    expect(tlsEnabled({ TLS_CERT_FILE: 'a', TLS_KEY_FILE: 'b', TLS_CLIENT_CA_FILE: 'c' })).toBe(true);
    expect(() =>
      createApiServer(app, { TLS_CERT_FILE: '/nonexistent/server.pem', TLS_KEY_FILE: 'b', TLS_CLIENT_CA_FILE: 'c' }),
    ).toThrow(/^Invalid configuration: TLS_CERT_FILE: cannot read \/nonexistent\/server\.pem/);
  });
});

describe('the client certificate of a request', () => {
  const requestOn = (socket: Socket) => ({ socket }) as unknown as http.IncomingMessage;
  const tlsSocket = (authorized: boolean, certificate: object, authorizationError?: string) =>
    Object.assign(Object.create(TLSSocket.prototype) as TLSSocket, {
      authorized,
      authorizationError,
      getPeerCertificate: () => certificate as PeerCertificate,
    });

  test('plain HTTP has none', () => {
    expect(clientCertificateOf(requestOn(new Socket()))).toEqual({ kind: 'none' });
    expect(organisationIdentificationFromClientCertificate(requestOn(new Socket()))).toBeUndefined();
  });

  test('TLS without a certificate has none', () => {
    expect(clientCertificateOf(requestOn(tlsSocket(false, {}, 'UNABLE_TO_GET_ISSUER_CERT')))).toEqual({ kind: 'none' });
  });

  test('a certificate that did not verify against the CA names no organisation', () => {
    const req = requestOn(tlsSocket(false, { subject: { CN: 'city' } }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'));
    expect(clientCertificateOf(req)).toEqual({ kind: 'unverified', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(organisationIdentificationFromClientCertificate(req)).toBeUndefined();
  });

  test('a verified certificate names the organisation by its subject common name', () => {
    expect(organisationIdentificationFromClientCertificate(requestOn(tlsSocket(true, { subject: { O: 'x', CN: 'city' } })))).toBe('city');
  });

  test('a verified certificate with several or no common names names none', () => {
    const several = requestOn(tlsSocket(true, { subject: { CN: ['city', 'contractor'] } }));
    expect(clientCertificateOf(several)).toEqual({ kind: 'unverified', reason: 'the subject has no single common name' });
    expect(organisationIdentificationFromClientCertificate(requestOn(tlsSocket(true, { subject: { O: 'x' } })))).toBeUndefined();
  });
});
