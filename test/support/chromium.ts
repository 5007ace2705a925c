// Debian's Chromium, driven by playwright-core (browser downloads are blocked on these machines, so the
// browser is the system's: scripts/install-tools.sh installs the `chromium` package where it is missing).
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return configured;
  }
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new Error(`No Chromium found (looked for ${candidates.join(', ')}): run bash scripts/install-tools.sh (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return found;
}

/** Headless, and without the sandbox: CI runs the tests as root, where Chromium's sandbox cannot start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
