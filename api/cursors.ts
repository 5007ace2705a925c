// Page cursors of keyset-paged listings: opaque to callers (Base64url JSON), tagged with the listing that
// gave them out, holding the last row's sort key (and its time, for newest-first listings). One place, so
// every listing refuses a foreign or broken cursor the same way: 400 naming `query.after`.
import { ApiError } from './errors';

interface CursorBody {
  l: string;
  k: string;
  t?: string;
}

export function invalidCursor(): ApiError {
  return new ApiError(400, 'VALIDATION_FAILED', 'query.after: not a cursor of this listing (use the nextCursor it returned)', 'query.after');
}

export function encodeCursor(listing: string, key: string, at?: Date): string {
  const body: CursorBody = { l: listing, k: key, ...(at ? { t: at.toISOString() } : {}) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decode(listing: string, text: string): CursorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { l, k, t } = parsed as Record<string, unknown>;
  if (l !== listing || typeof k !== 'string' || k === '' || (t !== undefined && typeof t !== 'string')) throw invalidCursor();
  return { l, k, t };
}

/** The sort key of a cursor `encodeCursor(listing, key)` gave out. */
export function decodeCursor(listing: string, text: string): string {
  return decode(listing, text).k;
}

/** The time and key of a cursor `encodeCursor(listing, key, at)` gave out. */
export function decodeTimedCursor(listing: string, text: string): { at: Date; key: string } {
  const { k, t } = decode(listing, text);
  const at = new Date(t ?? '');
  if (Number.isNaN(at.getTime())) throw invalidCursor();
  return { at, key: k };
}
