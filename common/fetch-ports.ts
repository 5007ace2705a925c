// Ports that the Fetch standard's "bad port" list blocks: Node's fetch (undici) fails every request to them
// without connecting, so a webhook URL naming one could never take a notification. test/unit/api/
// webhook-ports.test.ts checks that Node's fetch refuses each of them.
export const fetchBlockedPorts: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/** The port an http(s) URL connects to (its default when it names none); undefined for an unparsable URL. */
export function urlPort(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  } catch {
    return undefined;
  }
}

/** Whether fetch will refuse every request to this URL because of its port. */
export function fetchRefusesPort(url: string): boolean {
  const port = urlPort(url);
  return port !== undefined && fetchBlockedPorts.has(port);
}
