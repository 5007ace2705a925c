import { isZodType } from '@ts-rest/core';
import { generateOpenApi } from '@ts-rest/open-api';
import { platformContract } from './contract';

type OperationMapper = NonNullable<NonNullable<Parameters<typeof generateOpenApi>[2]>['operationMapper']>;

/**
 * ts-rest leaves every request body optional in the document, so generated clients and validators accepted
 * an empty body the API then refuses: a body is required whenever its schema refuses `undefined`.
 */
const markRequiredBody: OperationMapper = (operation, route) => {
  const { requestBody } = operation;
  const body = 'body' in route ? route.body : undefined;
  if (!requestBody || '$ref' in requestBody || !isZodType(body) || body.safeParse(undefined).success) return operation;
  return { ...operation, requestBody: { ...requestBody, required: true } };
};

export function buildOpenApiDocument() {
  return generateOpenApi(
    platformContract,
    {
      info: {
        title: 'Open Smart Grid Platform API',
        version: '0.1.0',
        description:
          'Every device operation answers 202 with a correlationUid (the Temporal workflow id); read the outcome with requests.getRequest.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'osgp_<id>_<secret>' } } },
      security: [{ apiKey: [] }],
    },
    { setOperationId: 'concatenated-path', operationMapper: markRequiredBody },
  );
}
