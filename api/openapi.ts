import { generateOpenApi } from '@ts-rest/open-api';
import { platformContract } from './contract';

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
    { setOperationId: 'concatenated-path' },
  );
}
