/**
 * The project's DLMS/COSEM client (adapters/dlms) against a meter built on the Gurux library's own server
 * (gurux.dlms from Maven Central, test/dlms-meter/src/GuruxMeter.java, started per test group by
 * test/support/dlms-meter.ts): wrapper and HDLC, no security, LLS and HLS GMAC with suite 0 encryption,
 * GET (with block transfer and selective access), SET, ACTION, the object list, wrong keys and a meter
 * that drops the link in the middle of a block transfer.
 */
import net from 'node:net';
import { associate, DlmsError, globalKeyTransferParameter, type DlmsAssociation, type DlmsConnectionSettings, type DlmsData } from '../../adapters/dlms';
import { asCosemDateTime, dlms } from '../../adapters/dlms/axdr';
import { GURUX_METER_CONTENT as METER, GURUX_METER_MASTER_KEY, GURUX_METER_SYSTEM_TITLE, startGuruxMeter, type GuruxMeter } from '../support/dlms-meter';

jest.setTimeout(120_000);

const REGISTER_VALUE = { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 };
const CLOCK_TIME = { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 };
const INTERVAL_BUFFER = { classId: 7, obis: METER.interval.obis, attribute: 2 };

function rows(data: DlmsData): DlmsData[][] {
  if (data.type !== 'array') throw new Error(`expected an array, got ${data.type}`);
  return data.value.map((row) => {
    if (row.type !== 'structure') throw new Error(`expected a structure row, got ${row.type}`);
    return row.value;
  });
}

function rowTime(row: DlmsData[]): Date | null | undefined {
  return asCosemDateTime(row[0]!)?.date;
}

async function expectDlmsError(promise: Promise<unknown>): Promise<DlmsError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DlmsError);
  return e as DlmsError;
}

async function withAssociation<T>(settings: DlmsConnectionSettings, fn: (a: DlmsAssociation) => Promise<T>): Promise<T> {
  const a = await associate(settings);
  try {
    return await fn(a);
  } finally {
    await a.release();
  }
}

/** Checks what every transport / security combination must do alike. */
async function readsRegisterClockAndInterval(settings: DlmsConnectionSettings): Promise<void> {
  await withAssociation(settings, async (a) => {
    expect(await a.get(REGISTER_VALUE)).toEqual({ type: 'uint32', value: METER.registers['1.0.1.8.0.255'] });
    expect(await a.get({ ...REGISTER_VALUE, attribute: 3 })).toEqual(dlms.structure([dlms.int8(0), dlms.enum(30)]));
    const clock = asCosemDateTime(await a.get(CLOCK_TIME))?.date;
    expect(Math.abs(clock!.getTime() - Date.now())).toBeLessThan(60_000);
    // 960 rows of about 30 bytes: far more than the meter's 1024-byte PDU, so block transfer.
    const table = rows(await a.get(INTERVAL_BUFFER));
    expect(table).toHaveLength(METER.interval.rows);
    expect(rowTime(table[0]!)).toEqual(METER.interval.start);
    expect(table[959]).toEqual([table[959]![0], dlms.uint32(METER.value(959, 0)), dlms.uint32(METER.value(959, 1))]);
    expect(rowTime(table[959]!)).toEqual(new Date(METER.interval.start.getTime() + 959 * 15 * 60_000));
  });
}

describe('wrapper, no security', () => {
  let meter: GuruxMeter;
  let settings: DlmsConnectionSettings;
  beforeAll(async () => {
    meter = await startGuruxMeter({ transport: 'WRAPPER' });
    settings = meter.settings;
  });
  afterAll(() => meter?.stop());

  it('runs the Gurux library it says', () => {
    expect(meter.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('associates and reads a register, its scaler and unit, the clock and a profile buffer by block transfer', async () => {
    await readsRegisterClockAndInterval(settings);
  });

  it('reads a range of a profile buffer with selective access', async () => {
    await withAssociation(settings, async (a) => {
      const from = new Date('2026-01-02T00:00:00Z');
      const to = new Date('2026-01-02T05:45:00Z');
      const table = rows(await a.get(INTERVAL_BUFFER, { kind: 'range', from, to }));
      expect(table).toHaveLength(24);
      expect(rowTime(table[0]!)).toEqual(from);
      expect(rowTime(table[23]!)).toEqual(to);
      expect(table[0]![1]).toEqual(dlms.uint32(METER.value(96, 0)));
      // The daily profile over a month, and the standard event log over a day.
      const daily = rows(await a.get({ classId: 7, obis: METER.daily.obis, attribute: 2 }, {
        kind: 'range', from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-31T00:00:00Z'),
      }));
      expect(daily).toHaveLength(31);
      expect(daily[0]![4]).toEqual(dlms.uint32(METER.value(59 * 96, 3)));
      const events = rows(await a.get({ classId: 7, obis: METER.eventLogs.standard.obis, attribute: 2 }, {
        kind: 'range', from: new Date('2026-01-02T00:00:00Z'), to: new Date('2026-01-02T23:59:59Z'),
      }));
      expect(events.map((r) => r[1])).toEqual([4, 5, 6, 7].map((i) => dlms.uint8(METER.eventLogs.standard.base + i)));
    });
  });

  it('sets the clock and reads it back, in a later association too', async () => {
    const target = new Date(Date.now() + 3_600_000);
    await withAssociation(settings, async (a) => {
      await a.set(CLOCK_TIME, dlms.dateTime(target));
      const read = asCosemDateTime(await a.get(CLOCK_TIME))!.date!;
      expect(Math.abs(read.getTime() - target.getTime())).toBeLessThan(5_000);
    });
    await withAssociation(settings, async (a) => {
      const read = asCosemDateTime(await a.get(CLOCK_TIME))!.date!;
      expect(Math.abs(read.getTime() - target.getTime())).toBeLessThan(10_000);
      await a.set(CLOCK_TIME, dlms.dateTime(new Date()));
    });
  });

  it('invokes methods: the clock adjusts to the quarter hour, a register resets', async () => {
    await withAssociation(settings, async (a) => {
      await a.set(CLOCK_TIME, dlms.dateTime(new Date('2026-03-01T10:07:40Z')));
      expect(await a.action({ classId: 8, obis: '0.0.1.0.0.255', method: 1 }, dlms.int8(0))).toBeUndefined();
      const adjusted = asCosemDateTime(await a.get(CLOCK_TIME))!;
      expect([adjusted.hour, adjusted.minute]).toEqual([10, 0]);
      await a.set(CLOCK_TIME, dlms.dateTime(new Date()));

      expect(await a.get({ classId: 3, obis: '1.0.2.8.2.255', attribute: 2 })).toEqual(dlms.uint32(METER.registers['1.0.2.8.2.255']));
      await a.action({ classId: 3, obis: '1.0.2.8.2.255', method: 1 }, dlms.int8(0));
      expect(await a.get({ classId: 3, obis: '1.0.2.8.2.255', attribute: 2 })).toEqual(dlms.uint32(0));
    });
  });

  it('reads and clears the alarm register, and reads the firmware versions', async () => {
    await withAssociation(settings, async (a) => {
      const alarm = { classId: 1, obis: METER.alarmRegister.obis, attribute: 2 };
      expect(await a.get(alarm)).toEqual(dlms.uint32(METER.alarmRegister.initial));
      await a.set(alarm, dlms.uint32(0));
      expect(await a.get(alarm)).toEqual(dlms.uint32(0));
      await a.set(alarm, dlms.uint32(METER.alarmRegister.initial));
      for (const [obis, version] of Object.entries(METER.firmware)) {
        expect(await a.get({ classId: 1, obis, attribute: 2 })).toEqual(dlms.octetString(Buffer.from(version)));
      }
    });
  });

  it('lists the objects of the association', async () => {
    const list = await withAssociation(settings, (a) => a.objectList());
    const byObis = new Map(list.map((o) => [o.obis, o]));
    for (const obis of ['0.0.1.0.0.255', '1.0.1.8.0.255', '1.0.2.8.2.255', METER.interval.obis, METER.daily.obis, METER.monthly.obis,
      METER.eventLogs.standard.obis, METER.alarmRegister.obis, '1.0.0.2.0.255', METER.gas.obis, '0.0.40.0.0.255']) {
      expect(byObis.has(obis)).toBe(true);
    }
    expect(byObis.get(METER.interval.obis)).toMatchObject({ classId: 7, version: 1 });
    const capturePeriod = await withAssociation(settings, (a) => a.get({ classId: 7, obis: METER.interval.obis, attribute: 4 }));
    expect(capturePeriod).toEqual(dlms.uint32(900));
    expect(byObis.get('0.0.1.0.0.255')!.attributes.map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(byObis.get(METER.gas.obis)).toMatchObject({ classId: 4 });
  });

  it('reports an unknown object as a permanent data access error', async () => {
    const e = await withAssociation(settings, (a) => expectDlmsError(a.get({ classId: 3, obis: '1.0.99.8.0.255', attribute: 2 })));
    expect(e).toMatchObject({ code: 'DATA_ACCESS', permanent: true, dataAccessResult: 'object-undefined' });
  });

  it('serialises concurrent requests on one association', async () => {
    await withAssociation(settings, async (a) => {
      const values = await Promise.all(Object.keys(METER.registers).map((obis) => a.get({ classId: 3, obis, attribute: 2 })));
      expect(values).toEqual(Object.values(METER.registers).map((v) => dlms.uint32(v)));
    });
  });
});

describe('HDLC with lowest level security (LLS)', () => {
  let meter: GuruxMeter;
  beforeAll(async () => {
    meter = await startGuruxMeter({ transport: 'HDLC', authentication: 'LOW', password: 'lls-secret' });
  });
  afterAll(() => meter?.stop());

  it('associates with the password and reads, segmenting HDLC frames within block transfer', async () => {
    await readsRegisterClockAndInterval(meter.settings);
  });

  it('sends a request longer than the meter\'s HDLC information field in segments', async () => {
    const firmware = { classId: 1, obis: '1.2.0.2.0.255', attribute: 2 };
    const long = dlms.octetString(Buffer.alloc(300, 0x41)); // SET APDU of ~320 bytes > 128-byte information field
    await withAssociation(meter.settings, async (a) => {
      await a.set(firmware, long);
      expect(await a.get(firmware)).toEqual(long);
    });
  });

  it('refuses a wrong password: AUTHENTICATION_FAILED, permanent', async () => {
    const e = await expectDlmsError(associate({ ...meter.settings, password: Buffer.from('wrong') }));
    expect(e).toMatchObject({ code: 'AUTHENTICATION_FAILED', permanent: true });
    expect(e.message).not.toContain('wrong');
    expect(e.message).not.toContain('lls-secret');
    // The meter still serves the right password afterwards.
    await withAssociation(meter.settings, async (a) => expect(await a.get(REGISTER_VALUE)).toEqual(dlms.uint32(METER.registers['1.0.1.8.0.255'])));
  });
});

describe('HLS GMAC with authenticated encryption (security suite 0)', () => {
  let wrapper: GuruxMeter;
  let hdlc: GuruxMeter;
  beforeAll(async () => {
    [wrapper, hdlc] = await Promise.all([
      startGuruxMeter({ transport: 'WRAPPER', authentication: 'HIGH_GMAC' }),
      startGuruxMeter({ transport: 'HDLC', authentication: 'HIGH_GMAC' }),
    ]);
  });
  afterAll(async () => {
    await wrapper?.stop();
    await hdlc?.stop();
  });

  it('passes HLS pass 3/4 and reads ciphered, over the wrapper and over HDLC', async () => {
    await readsRegisterClockAndInterval(wrapper.settings);
    await readsRegisterClockAndInterval(hdlc.settings);
  });

  it('sets, invokes and lists objects over a ciphered association', async () => {
    await withAssociation(wrapper.settings, async (a) => {
      const alarm = { classId: 1, obis: METER.alarmRegister.obis, attribute: 2 };
      await a.set(alarm, dlms.uint32(0x10));
      expect(await a.get(alarm)).toEqual(dlms.uint32(0x10));
      await a.set(alarm, dlms.uint32(METER.alarmRegister.initial));
      expect((await a.objectList()).length).toBeGreaterThan(20);
    });
  });

  it("tells the meter's system title from the AARE and the next invocation counter to use", async () => {
    await withAssociation({ ...wrapper.settings, invocationCounter: 500 }, async (a) => {
      expect(a.serverSystemTitle).toEqual(GURUX_METER_SYSTEM_TITLE);
      // 500 ciphered the AARQ's InitiateRequest, 501 is HLS pass 3's f(StoC), 502 the ACTION carrying it.
      expect(a.invocationCounter).toBe(503);
      await a.get(REGISTER_VALUE);
      expect(a.invocationCounter).toBe(504);
    });
    const plain = await startGuruxMeter({ transport: 'WRAPPER' });
    try {
      await withAssociation(plain.settings, async (a) => {
        await a.get(REGISTER_VALUE);
        expect(a.serverSystemTitle).toBeUndefined();
        expect(a.invocationCounter).toBe(1);
      });
    } finally {
      await plain.stop();
    }
  });

  it('ciphers with a dedicated key (ded-ciphering) when asked', async () => {
    await readsRegisterClockAndInterval({ ...wrapper.settings, ciphering: 'DEDICATED' });
  });

  it.each([
    ['authentication key', { authenticationKey: Buffer.from('D0D1D2D3D4D5D6D7D8D9DADBDCDDDE00', 'hex') }],
    ['block cipher key', { blockCipherKey: Buffer.from('000102030405060708090A0B0C0D0E00', 'hex') }],
  ])('fails permanently with a wrong %s, without the key in the message', async (_name, wrong) => {
    const keys = { ...wrapper.settings.keys!, ...wrong };
    const e = await expectDlmsError(associate({ ...wrapper.settings, keys }));
    expect(['DECRYPTION_FAILED', 'AUTHENTICATION_FAILED']).toContain(e.code);
    expect(e.permanent).toBe(true);
    for (const key of [...Object.values(keys), ...Object.values(wrapper.settings.keys!)]) {
      expect(e.message.toLowerCase()).not.toContain(key.toString('hex').toLowerCase());
    }
  });
});

describe('global key transfer (security setup 0.0.43.0.0.255, class 64, method 2)', () => {
  let meter: GuruxMeter;
  beforeAll(async () => {
    meter = await startGuruxMeter({ transport: 'WRAPPER', authentication: 'HIGH_GMAC' });
  });
  afterAll(() => meter?.stop());
  const SECURITY_SETUP_TRANSFER = { classId: 64, obis: '0.0.43.0.0.255', method: 2 };
  const newKeys = { authenticationKey: Buffer.alloc(16, 0x5a), blockCipherKey: Buffer.alloc(16, 0x3c) };
  const transfer = (masterKey: Buffer) =>
    globalKeyTransferParameter(masterKey, [
      { type: 'AUTHENTICATION', key: newKeys.authenticationKey },
      { type: 'UNICAST_ENCRYPTION', key: newKeys.blockCipherKey },
    ]);

  it('keys wrapped under another master key are refused, and the meter keeps its keys', async () => {
    await withAssociation(meter.settings, async (a) => {
      const e = await expectDlmsError(a.action(SECURITY_SETUP_TRANSFER, transfer(Buffer.alloc(16, 0xee))));
      expect(e).toMatchObject({ code: 'DATA_ACCESS', dataAccessResult: 'object-class-inconsistent', permanent: true });
    });
    expect(meter.output).not.toContain('KEYS_REPLACED');
    await withAssociation(meter.settings, async (a) => expect(await a.get(REGISTER_VALUE)).toEqual(dlms.uint32(METER.registers['1.0.1.8.0.255'])));
  });

  it('the meter takes keys wrapped under its master key: later associations need them, the old keys fail', async () => {
    await withAssociation(meter.settings, async (a) => {
      expect(await a.action(SECURITY_SETUP_TRANSFER, transfer(GURUX_METER_MASTER_KEY))).toBeUndefined();
    });
    expect(meter.output).toContain('KEYS_REPLACED');
    const e = await expectDlmsError(associate(meter.settings));
    expect(['DECRYPTION_FAILED', 'AUTHENTICATION_FAILED']).toContain(e.code);
    await withAssociation({ ...meter.settings, keys: newKeys }, async (a) =>
      expect(await a.get(REGISTER_VALUE)).toEqual(dlms.uint32(METER.registers['1.0.1.8.0.255'])),
    );
  });
});

describe('a meter that drops the connection during a block transfer', () => {
  let meter: GuruxMeter;
  beforeAll(async () => {
    meter = await startGuruxMeter({ transport: 'WRAPPER', dropDuringBlockTransfer: true });
  });
  afterAll(() => meter?.stop());

  it('fails transiently, and a new association reads the whole buffer', async () => {
    const a = await associate(meter.settings);
    const e = await expectDlmsError(a.get(INTERVAL_BUFFER));
    expect(e).toMatchObject({ code: 'CONNECTION', permanent: false });
    await a.release(); // on a dead link: closes without throwing
    expect(meter.output.some((l) => l.startsWith('FAULT'))).toBe(true);

    const table = await withAssociation(meter.settings, async (b) => rows(await b.get(INTERVAL_BUFFER)));
    expect(table).toHaveLength(METER.interval.rows);
  });
});

describe('connection failures', () => {
  it('is a transient TIMEOUT when the peer accepts but never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const e = await expectDlmsError(
        associate({ host: '127.0.0.1', port, transport: 'WRAPPER', clientAddress: 16, serverAddress: 1, authentication: 'NONE', responseTimeoutMs: 300 }),
      );
      expect(e).toMatchObject({ code: 'TIMEOUT', permanent: false });
    } finally {
      silent.close();
    }
  });

  it('is a transient CONNECTION error when nothing listens', async () => {
    const meter = await startGuruxMeter();
    const { port } = meter;
    await meter.stop();
    const e = await expectDlmsError(associate({ ...meter.settings, port, connectTimeoutMs: 2_000 }));
    expect(e).toMatchObject({ code: 'CONNECTION', permanent: false });
  });
});
