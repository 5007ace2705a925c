// The workflow code bundled once at build time (`npm run build`), so production workers start from a file
// instead of running webpack at every start. Without the file (tsx, tests) workers bundle at start as before.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';

export const workflowsPath = require.resolve('../workflows');

/** Where `npm run build` writes the bundle: dist/workflow-bundle.js beside the compiled code. */
export const builtWorkflowBundlePath = path.resolve(__dirname, '..', 'workflow-bundle.js');

/** Bundles the workflows into `file` (with its source map inline); returns the file's size in bytes. */
export async function writeWorkflowBundle(file: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  return Buffer.byteLength(code);
}

/**
 * The prebuilt bundle when there is one: WORKFLOW_BUNDLE_PATH (which must exist), else the build's own file
 * when this code runs from dist/; undefined means "bundle at start".
 */
export function prebuiltWorkflowBundle(env: NodeJS.ProcessEnv = process.env): WorkerOptions['workflowBundle'] | undefined {
  const configured = env.WORKFLOW_BUNDLE_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`WORKFLOW_BUNDLE_PATH: ${configured} does not exist; run npm run build`);
    return { codePath: path.resolve(configured) };
  }
  return fs.existsSync(builtWorkflowBundlePath) ? { codePath: builtWorkflowBundlePath } : undefined;
}
