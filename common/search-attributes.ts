// Custom search attributes that make a request findable in the Temporal Web UI by organisation, operation
// and device, e.g. `OsgpDevices = "SIM-0001"`. Registered at start-up (worker/search-attributes.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const organisationAttribute = defineSearchAttributeKey('OsgpOrganisation', SearchAttributeType.KEYWORD);
export const operationAttribute = defineSearchAttributeKey('OsgpOperation', SearchAttributeType.KEYWORD);
export const devicesAttribute = defineSearchAttributeKey('OsgpDevices', SearchAttributeType.KEYWORD_LIST);

/**
 * Temporal refuses a search attribute value over 2 KB (limit.searchAttributesSizeOfValue, default 2,048 bytes):
 * the size of its encoded payload, for a KeywordList the JSON array (`["SIM-0001","SIM-0002"]`), in UTF-8.
 * Past it, starting the workflow fails (the API answered 503 for setLight on 100 devices with 25-character
 * identifications).
 */
export const maxSearchAttributeValueBytes = 2_048;

/** UTF-8 length of a string (no Buffer: workflows call this too). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * The leading devices whose list fits one search attribute value; a larger request lists its first devices
 * and the rest are found through the API (getRequest).
 */
export function devicesForSearchAttribute(deviceIdentifications: readonly string[], maxBytes: number = maxSearchAttributeValueBytes): string[] {
  let bytes = 2; // [ ]
  let count = 0;
  for (const identification of deviceIdentifications) {
    const more = utf8Bytes(JSON.stringify(identification)) + (count > 0 ? 1 : 0);
    if (bytes + more > maxBytes) break;
    bytes += more;
    count += 1;
  }
  return deviceIdentifications.slice(0, count);
}

export const platformSearchAttributes = {
  OsgpOrganisation: 'Keyword',
  OsgpOperation: 'Keyword',
  OsgpDevices: 'KeywordList',
} as const;
