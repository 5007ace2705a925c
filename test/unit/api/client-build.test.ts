// The typed client as an application gets it: `npm run build:client`'s compilation, installed as the package
// `open-smart-grid-platform-ts` (its `exports` from package.json), imported by a small strict program. The
// client is built from the API's contracts alone, so the build must hold nothing of the platform's inside.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Under dist/ (ignored by git and lint), so the packages the client needs resolve from the project's node_modules.
let work: string;

function run(args: string[], cwd = root): string {
  try {
    return execFileSync(process.execPath, args, { cwd, encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

beforeAll(() => {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  work = fs.mkdtempSync(path.join(root, 'dist', 'client-build-test-'));
  const pkg = path.join(work, 'package');
  run([tsc, '-p', 'tsconfig.client.json', '--outDir', path.join(pkg, 'dist', 'client')]);
  const { exports } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: unknown };
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'open-smart-grid-platform-ts', exports }));
  fs.mkdirSync(path.join(work, 'app', 'node_modules'), { recursive: true });
  fs.symlinkSync(pkg, path.join(work, 'app', 'node_modules', 'open-smart-grid-platform-ts'), 'dir');
}, 180_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the client build holds the client, the contracts and the pure modules they use, nothing else', () => {
  const built = filesUnder(path.join(work, 'package', 'dist', 'client')).filter((f) => f.endsWith('.js'));
  expect(built).toContain(path.join('api', 'client.js'));
  const outside = built.filter((f) => !/^(api[\\/](client|contract|contracts[\\/].+)|common[\\/].+|core[\\/](protocols|protocol-registry))\.js$/.test(f));
  expect(outside).toEqual([]);
  expect(built.some((f) => /^(db|generated|adapters|activities|workflows|worker)[\\/]/.test(f))).toBe(false);
});

test('a strict application program type-checks against the built package, and a misnamed operation does not', () => {
  const app = path.join(work, 'app');
  fs.writeFileSync(
    path.join(app, 'main.ts'),
    `import { createPlatformClient, waitForRequest, type RequestView } from 'open-smart-grid-platform-ts/client';

const client = createPlatformClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'osgp_key' });

export async function switchOn(deviceIdentification: string): Promise<RequestView['state']> {
  const accepted = await client.publicLighting.setLight({
    body: { deviceIdentifications: [deviceIdentification], lightValues: [{ index: 0, on: true, dimValue: 70 }] },
    headers: { 'idempotency-key': 'evening-1' },
  });
  if (accepted.status !== 202) throw new Error(\`setLight refused with \${accepted.status}\`);
  const view = await waitForRequest(client, accepted.body.correlationUid);
  return view.state;
}

// @ts-expect-error an operation the API does not have
void client.publicLighting.setLigth;
`,
  );
  const options = ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node'];
  run([tsc, ...options, path.join(app, 'main.ts')], app);

  // The same program with a body the contract refuses does not compile.
  fs.writeFileSync(
    path.join(app, 'wrong.ts'),
    `import { createPlatformClient } from 'open-smart-grid-platform-ts/client';
const client = createPlatformClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'osgp_key' });
void client.publicLighting.setLight({ body: { deviceIdentifications: ['SIM-1'], lightValues: [{ index: 0, on: 'yes' }] } });
`,
  );
  expect(() => run([tsc, ...options, path.join(app, 'wrong.ts')], app)).toThrow(/lightValues|on/);
}, 180_000);

test('the built client loads in Node and makes a client with every domain', () => {
  const script = `const { createPlatformClient } = require(${JSON.stringify(path.join(work, 'package', 'dist', 'client', 'api', 'client.js'))});
const client = createPlatformClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k' });
process.stdout.write(JSON.stringify(Object.keys(client).sort()));`;
  expect(JSON.parse(run(['-e', script]))).toEqual(['admin', 'core', 'publicLighting', 'requests', 'smartMetering', 'tariffSwitching']);
});
