/**
 * The project's DLMS/COSEM client: A-XDR codec, IEC 62056-47 wrapper and HDLC over TCP, AARQ/AARE with
 * LLS and HLS GMAC (security suite 0), ciphered xDLMS APDUs, GET (block transfer, selective access),
 * SET, ACTION and the association's object list.
 */
export * from './types';
export { DlmsError } from './errors';
export { associate, parseObjectList, DEFAULT_CLIENT_SYSTEM_TITLE, type DlmsAssociationInfo } from './client';
export {
  asCosemDateTime,
  asNumber,
  decodeCosemDateTime,
  decodeDataFrom,
  dlms,
  encodeCosemDateTime,
  encodeData,
  obisFromBytes,
  obisToBytes,
} from './axdr';
export { DATA_ACCESS_RESULT, dataAccessResultName } from './apdu';
export { GLOBAL_KEY_ID, globalKeyTransferParameter, unwrapKey, wrapKey, type GlobalKeyType } from './security';
