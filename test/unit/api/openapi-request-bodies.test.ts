import { isZodType, type AppRoute } from '@ts-rest/core';
import { platformContract } from '../../../api/contract';
import { buildOpenApiDocument } from '../../../api/openapi';

type Operation = { requestBody?: { required?: boolean } };

/** Every route of the contract that has a body (a schema or ts-rest's noBody), by its OpenAPI path and method. */
function routesWithBody(): Array<{ path: string; method: string; refusesNoBody: boolean }> {
  const routes: AppRoute[] = [];
  const walk = (node: object): void => {
    for (const value of Object.values(node) as object[]) {
      if ('method' in value && 'path' in value) routes.push(value as AppRoute);
      else walk(value);
    }
  };
  walk(platformContract);
  return routes.flatMap((route) =>
    'body' in route
      ? [
          {
            path: route.path.replace(/:(\w+)/g, '{$1}'),
            method: route.method.toLowerCase(),
            refusesNoBody: isZodType(route.body) && !route.body.safeParse(undefined).success,
          },
        ]
      : [],
  );
}

describe('/openapi.json', () => {
  const document = buildOpenApiDocument() as { paths: Record<string, Record<string, Operation>> };
  const marked = ({ path, method }: { path: string; method: string }) => document.paths[path]?.[method]?.requestBody?.required === true;

  test('marks a request body required exactly where the API refuses a request without one', () => {
    const routes = routesWithBody();
    const required = routes.filter((route) => route.refusesNoBody);
    expect(required.length).toBeGreaterThan(40);
    expect(required.filter((route) => !marked(route))).toEqual([]);
    // noBody() routes (pause, unpause, delete) and cancelRequest's optional body stay optional.
    expect(routes.filter((route) => !route.refusesNoBody && marked(route))).toEqual([]);
  });
});
