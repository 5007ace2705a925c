import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prebuiltWorkflowBundle } from '../../../worker/workflow-bundle';

test('WORKFLOW_BUNDLE_PATH names the bundle, and must exist; without it and without a build, workers bundle at start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-bundle-path-'));
  try {
    const file = path.join(dir, 'workflow-bundle.js');
    expect(() => prebuiltWorkflowBundle({ WORKFLOW_BUNDLE_PATH: file })).toThrow(/WORKFLOW_BUNDLE_PATH: .* does not exist; run npm run build/);
    fs.writeFileSync(file, '// bundle');
    expect(prebuiltWorkflowBundle({ WORKFLOW_BUNDLE_PATH: file })).toEqual({ codePath: file });
    // Run from source (tests, tsx), there is no workflow-bundle.js beside the code.
    expect(prebuiltWorkflowBundle({})).toBeUndefined();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
