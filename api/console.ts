// The operator console (console/, built into dist/console by `npm run build:console`): static files under
// /console, plus /console/config.json with what the page cannot know by itself (the Temporal Web UI to link
// requests to). The page talks to the platform only through /v1 with the operator's API key, so these routes
// need no authentication. Only the platform's own origin is allowed to serve scripts, styles and data (CSP).
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

export interface ConsoleOptions {
  /** The built console; default dist/console of the project. */
  directory?: string;
  /** Base URL of the Temporal Web UI (e.g. http://127.0.0.1:8233), for links to a request's workflow. */
  temporalUiUrl?: string;
  temporalNamespace?: string;
}

export const defaultConsoleDirectory = path.resolve(__dirname, '..', 'dist', 'console');

const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleRouter(options: ConsoleOptions = {}): Router {
  const directory = options.directory ?? defaultConsoleDirectory;
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ temporalUiUrl: options.temporalUiUrl?.replace(/\/+$/, '') ?? null, temporalNamespace: options.temporalNamespace ?? 'default' });
  });
  // Vite names every asset by its content hash: a changed file is a new URL, so browsers may keep these forever.
  router.use(
    '/assets',
    express.static(path.join(directory, 'assets'), {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  // The page itself is checked on every load, so a new build is picked up at once. The console routes with
  // the URL's hash, so only /console and /console/ serve it.
  router.get(['/', '/index.html'], (req, res) => {
    if (req.originalUrl === '/console') return res.redirect(301, '/console/');
    const index = path.join(directory, 'index.html');
    if (!fs.existsSync(index)) {
      res.setHeader('Cache-Control', 'no-store');
      res
        .status(503)
        .type('text/plain')
        .send('The operator console is not built: run `npm run build:console` (npm install does it) and reload.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  router.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  return router;
}
