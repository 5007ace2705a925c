// Custom search attributes that make a request findable in the Temporal Web UI by organisation, operation
// and device, e.g. `OsgpDevices = "SIM-0001"`. Registered at start-up (worker/search-attributes.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const organisationAttribute = defineSearchAttributeKey('OsgpOrganisation', SearchAttributeType.KEYWORD);
export const operationAttribute = defineSearchAttributeKey('OsgpOperation', SearchAttributeType.KEYWORD);
export const devicesAttribute = defineSearchAttributeKey('OsgpDevices', SearchAttributeType.KEYWORD_LIST);

/** A KeywordList is limited in size; for large requests the first devices are listed and the rest found via the API. */
export const maxDevicesInSearchAttribute = 100;

export const platformSearchAttributes = {
  OsgpOrganisation: 'Keyword',
  OsgpOperation: 'Keyword',
  OsgpDevices: 'KeywordList',
} as const;
