// Registers the platform's custom search attributes on a Temporal namespace (idempotent), so requests can
// be found in the Web UI by organisation, operation and device also on an external Temporal cluster.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { platformSearchAttributes } from '../common/search-attributes';

const indexedValueType: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(platformSearchAttributes).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueType[type]])),
  });
  return missing.map(([name]) => name);
}
