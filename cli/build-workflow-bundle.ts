// Part of `npm run build`: writes the workflow bundle workers start from (worker/workflow-bundle.ts).
import { builtWorkflowBundlePath, writeWorkflowBundle } from '../worker/workflow-bundle';

const file = process.argv[2] ?? builtWorkflowBundlePath;
writeWorkflowBundle(file).then(
  (bytes) => process.stdout.write(`workflow bundle ${file} (${(bytes / 1024).toFixed(0)} KiB)\n`),
  (error: unknown) => {
    process.stderr.write(`Bundling the workflows failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
