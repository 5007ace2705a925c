/**
 * The API reference page at /docs, fetched from a started API as a browser would load it: every asset it
 * names is served by the platform itself (nothing off-host, so it works without internet), and the OpenAPI
 * document it loads names every operation of the contract.
 */
import { isAppRoute, type AppRoute, type AppRouter } from '@ts-rest/core';
import { platformContract } from '../../api/contract';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false });
});

afterAll(async () => {
  await platform?.stop();
});

/** `<domain>.<operation>` of every route of the contract. */
function contractOperationIds(router: AppRouter, prefix: string[] = []): string[] {
  return Object.entries(router).flatMap(([key, value]) =>
    isAppRoute(value as AppRoute | AppRouter) ? [[...prefix, key].join('.')] : contractOperationIds(value as AppRouter, [...prefix, key]),
  );
}

/** The URLs a page loads: src and href attributes. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
}

test('/docs and every asset it names come from the platform, and its OpenAPI document lists every operation', async () => {
  const page = await fetch(`${platform.baseUrl}/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const html = await page.text();

  const assets = assetUrls(html);
  expect(assets.length).toBeGreaterThanOrEqual(3);
  const loaded = new Map<string, string>();
  for (const asset of assets) {
    const url = new URL(asset, `${platform.baseUrl}/docs`);
    expect(url.origin).toBe(platform.baseUrl);
    const response = await fetch(url);
    expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    loaded.set(url.pathname, await response.text());
  }
  expect(loaded.get('/docs/assets/swagger-ui-bundle.js')?.length).toBeGreaterThan(100_000);
  expect(loaded.get('/docs/assets/swagger-ui.css')).toContain('.swagger-ui');

  // The page's own script names the document it renders, and sends nothing to an online validator.
  const init = loaded.get('/docs/assets/docs-init.js') ?? '';
  expect(init).toMatch(/validatorUrl: null/);
  const documentUrl = /url: '([^']+)'/.exec(init)?.[1];
  expect(documentUrl).toBe('/openapi.json');
  const documentLocation = new URL(documentUrl!, platform.baseUrl);
  expect(documentLocation.origin).toBe(platform.baseUrl);
  const document = (await (await fetch(documentLocation)).json()) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    servers?: Array<{ url: string }>;
  };
  const documented = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
  const expected = contractOperationIds(platformContract);
  expect(expected.length).toBeGreaterThan(50);
  expect(documented.sort()).toEqual(expected.sort());
  // "Try it out" authorises with an API key as a Bearer token, against this very server (no other server named).
  expect(Object.values(document.components.securitySchemes)).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  expect(document.servers ?? []).toEqual([]);
});

test('/docs/ shows the page too, and files of the package it does not use are not served', async () => {
  expect((await fetch(`${platform.baseUrl}/docs/`)).status).toBe(200);
  expect((await fetch(`${platform.baseUrl}/docs/assets/package.json`)).status).toBe(404);
  expect((await fetch(`${platform.baseUrl}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
});
