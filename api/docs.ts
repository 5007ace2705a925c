// The API reference page at /docs: Swagger UI (swagger-ui-dist, from node_modules) rendering the very document
// served at /openapi.json. Every asset comes from this server, so the page works on a machine without internet.
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** The files of swagger-ui-dist the page needs, under the names the page uses. */
const SWAGGER_UI_ASSETS = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'] as const;

export const DOCS_ASSET_PREFIX = '/docs/assets';

function swaggerUiDirectory(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Open Smart Grid Platform API reference</title>
  <link rel="icon" type="image/png" href="${DOCS_ASSET_PREFIX}/favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_ASSET_PREFIX}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_ASSET_PREFIX}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_ASSET_PREFIX}/docs-init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator for its badge.
// persistAuthorization keeps the API key entered with "Authorize" across reloads (in the browser's storage).
const initScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  displayRequestDuration: true,
  persistAuthorization: true,
  tryItOutEnabled: false,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

export function docsRouter(): Router {
  const router = express.Router();
  const directory = swaggerUiDirectory();
  router.get('/', (req, res, next) => {
    // /docs and /docs/ both show the page; asset URLs are absolute so either works.
    if (req.path !== '/') return next();
    res.type('html').send(page);
  });
  router.get('/assets/docs-init.js', (_req, res) => {
    res.type('application/javascript').send(initScript);
  });
  for (const asset of SWAGGER_UI_ASSETS) {
    const file = path.join(directory, asset);
    if (!fs.existsSync(file)) throw new Error(`swagger-ui-dist is missing ${asset}: reinstall the dependencies (npm ci)`);
    router.get(`/assets/${asset}`, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      res.sendFile(file);
    });
  }
  return router;
}
