/**
 * Public types of the project's DLMS/COSEM client (IEC 62056-5-3 xDLMS, LN referencing, over the
 * IEC 62056-47 TCP wrapper or HDLC (IEC 62056-46) over TCP).
 */

export type DlmsTransport = 'WRAPPER' | 'HDLC';
export type DlmsAuthentication = 'NONE' | 'LOW' | 'HIGH_GMAC';

/** Security suite 0 keys: AES-128, 16 bytes each. */
export interface DlmsKeys {
  authenticationKey: Buffer;
  blockCipherKey: Buffer;
}

export interface DlmsConnectionSettings {
  host: string;
  port: number;
  transport: DlmsTransport;
  /** Client SAP, e.g. 16 public client, 1 management client. */
  clientAddress: number;
  /** Logical device (wrapper destination wPort) or HDLC upper server address. */
  serverAddress: number;
  authentication: DlmsAuthentication;
  /** LLS secret. */
  password?: Buffer;
  /** 8 bytes; needed for HLS GMAC (a default is used when absent). */
  clientSystemTitle?: Buffer;
  /** HLS GMAC + authenticated encryption of xDLMS APDUs (suite 0). */
  keys?: DlmsKeys;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Addition: HDLC lower (physical) server address, default 1. */
  hdlcLowerServerAddress?: number;
  /** Addition: first invocation counter used for ciphered APDUs (default 1). */
  invocationCounter?: number;
  /** Addition: proposed max APDU size (default 0xFFFF). */
  maxPduSize?: number;
  /**
   * Addition, HLS only: 'DEDICATED' ciphers the services with a fresh random dedicated key per association
   * (ded-ciphering, sent inside the glo-ciphered AARQ); default 'GLOBAL' (glo-ciphering, block cipher key).
   */
  ciphering?: 'GLOBAL' | 'DEDICATED';
}

export interface CosemAttribute {
  classId: number;
  /** "1.0.1.8.0.255" */
  obis: string;
  attribute: number;
}

export interface CosemMethod {
  classId: number;
  obis: string;
  method: number;
}

export type SelectiveAccess = {
  kind: 'range';
  from: Date;
  to: Date;
  /** Default: clock 0.0.1.0.0.255 attribute 2 (class 8). */
  restrictingObject?: CosemAttribute;
  /** Default: all columns (empty selected values). */
  columns?: CosemAttribute[];
};

/** A COSEM date-time (12 bytes). Fields that are "not specified" on the wire are null. */
export interface CosemDateTime {
  year: number | null;
  month: number | null;
  day: number | null;
  dayOfWeek: number | null;
  hour: number | null;
  minute: number | null;
  second: number | null;
  hundredths: number | null;
  /** Minutes as on the wire; Blue Book meaning: UTC = local time + deviation (see axdr.ts). */
  deviation: number | null;
  clockStatus: number | null;
  /** The instant, when every field needed for it is specified (deviation null: taken as UTC). */
  date: Date | null;
}

/** Tagged union over the A-XDR data types of IEC 62056-6-2. */
export type DlmsData =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  /** Bits as a string of '0'/'1', first bit first. */
  | { type: 'bit-string'; value: string }
  | { type: 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'enum'; value: number }
  | { type: 'int64' | 'uint64'; value: bigint }
  | { type: 'float32' | 'float64'; value: number }
  | { type: 'octet-string'; value: Buffer }
  | { type: 'visible-string' | 'utf8-string'; value: string }
  | { type: 'bcd'; value: number }
  | { type: 'array' | 'structure'; value: DlmsData[] }
  /** Tag 25 (date-time), 26 (date), 27 (time); raw bytes kept for round trips. */
  | { type: 'date-time'; value: CosemDateTime; raw: Buffer }
  | { type: 'date'; raw: Buffer }
  | { type: 'time'; raw: Buffer };

export type DlmsDataType = DlmsData['type'];

export interface CosemObjectDescriptor {
  classId: number;
  version: number;
  obis: string;
  attributes: { id: number; access: number }[];
  methods: { id: number; access: number }[];
}

export interface DlmsAssociation {
  /** Block transfer is transparent. */
  get(attribute: CosemAttribute, access?: SelectiveAccess): Promise<DlmsData>;
  set(attribute: CosemAttribute, value: DlmsData): Promise<void>;
  action(method: CosemMethod, parameter?: DlmsData): Promise<DlmsData | undefined>;
  objectList(): Promise<CosemObjectDescriptor[]>;
  /**
   * Addition: the invocation counter the next ciphered APDU of this client will carry (the one to persist:
   * meters refuse counters they have seen). Unchanged on associations without ciphering.
   */
  readonly invocationCounter: number;
  /** Addition: the meter's system title from the AARE's responding AP title (HLS associations only). */
  readonly serverSystemTitle?: Buffer;
  /** RLRQ/RLRE (+ HDLC DISC), then close. Never throws for an already-closed link. */
  release(): Promise<void>;
}

export type DlmsErrorCode =
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'AUTHENTICATION_FAILED'
  | 'ASSOCIATION_REJECTED'
  | 'DECRYPTION_FAILED'
  | 'DATA_ACCESS'
  | 'PROTOCOL';
