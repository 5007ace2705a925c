import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { importFilesFor, parseDeviceCsv, runImport, sha256, startState, type AddResult, type NewDeviceRow } from '../../../cli/osgp/device-import';
import { CliError, ExitCode } from '../../../cli/osgp/exit-codes';

const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const uid = (n: number) => Buffer.alloc(12, n).toString('base64');
const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
const line = (id: string, n: number, key = publicKeyPem) => `${id},${uid(n)},${quoted(key)}`;

function csvOf(lines: string[]): string {
  return ['deviceIdentification,deviceUid,publicKey', ...lines].join('\n');
}

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-import-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

describe('parseDeviceCsv', () => {
  test('reads rows with multi-line quoted PEM keys and defaults the protocol to OSLP', () => {
    const rows = parseDeviceCsv(csvOf([line('D-1', 1), line('D-2', 2)]));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ row: 1, deviceIdentification: 'D-1', device: expect.objectContaining({ deviceIdentification: 'D-1', protocol: 'OSLP', deviceUid: uid(1) }) });
    expect('device' in rows[1] && rows[1].device.publicKey).toContain('BEGIN PUBLIC KEY');
  });

  test('rejects bad rows with the field at fault, and a repeated identification, without failing the others', () => {
    const rows = parseDeviceCsv(
      [
        'deviceIdentification,deviceUid,publicKey,port,latitude',
        `D-1,${uid(1)},${quoted(publicKeyPem)},12122,52.1`,
        `D-2,not-base64,${quoted(publicKeyPem)},,`,
        `D-3,${uid(3)},not a key,,`,
        `D-1,${uid(4)},${quoted(publicKeyPem)},,`,
        `D-5,${uid(5)},${quoted(publicKeyPem)},70000,`,
        `D 6,${uid(6)},${quoted(publicKeyPem)},,`,
      ].join('\n'),
    );
    const rejected = Object.fromEntries(rows.filter((r) => 'rejected' in r).map((r) => [r.row, 'rejected' in r ? r.rejected : '']));
    expect(Object.keys(rejected).map(Number)).toEqual([2, 3, 4, 5, 6]);
    expect(rejected[2]).toMatch(/^deviceUid: /);
    expect(rejected[3]).toMatch(/^publicKey: /);
    expect(rejected[4]).toMatch(/appears earlier/);
    expect(rejected[5]).toMatch(/^port: /);
    expect(rejected[6]).toMatch(/^deviceIdentification: /);
    expect(rows[0]).toEqual(expect.objectContaining({ device: expect.objectContaining({ port: 12122, latitude: 52.1 }) }));
  });

  test('a header it cannot use is a usage error naming the column', () => {
    const usage = (text: string) => {
      try {
        parseDeviceCsv(text);
      } catch (error) {
        return error instanceof CliError && error.exitCode === ExitCode.USAGE ? error.message : `other: ${String(error)}`;
      }
      return 'no error';
    };
    expect(usage('deviceIdentification,deviceUid,publicKey,colour\n')).toMatch(/unknown CSV column\(s\) colour/);
    expect(usage('deviceUid,publicKey\n')).toMatch(/no deviceIdentification column/);
    expect(usage('')).toMatch(/empty/);
    expect(usage('deviceIdentification\n"unterminated')).toMatch(/cannot be read/);
  });
});

describe('runImport', () => {
  function setUp(count: number, extraLines: string[] = []) {
    const csvPath = path.join(directory, 'devices.csv');
    const text = csvOf([...Array.from({ length: count }, (_, i) => line(`D-${i + 1}`, i + 1)), ...extraLines]);
    fs.writeFileSync(csvPath, text);
    return { csvPath, text, rows: parseDeviceCsv(text), files: importFilesFor(csvPath) };
  }
  /** The platform's side: adds each identification once, refuses those marked, answers EXISTS for repeats. */
  function fakePlatform(refuse: Set<string> = new Set()) {
    const added = new Set<string>();
    const calls: string[][] = [];
    const addDevices = async (devices: NewDeviceRow[]): Promise<AddResult[]> => {
      calls.push(devices.map((d) => d.deviceIdentification));
      return devices.map((d) => {
        if (refuse.has(d.deviceIdentification)) return { deviceIdentification: d.deviceIdentification, result: 'REFUSED', code: 'DEVICE_UID_TAKEN', message: 'uid of another device' };
        if (added.has(d.deviceIdentification)) return { deviceIdentification: d.deviceIdentification, result: 'EXISTS' };
        added.add(d.deviceIdentification);
        return { deviceIdentification: d.deviceIdentification, result: 'ADDED' };
      });
    };
    return { addDevices, calls, added };
  }

  test('imports in chunks, records the rows done and reports every row not added with the reason', async () => {
    const { rows, text, files } = setUp(5, [`D-bad,xyz,${quoted(publicKeyPem)}`]);
    const platform = fakePlatform(new Set(['D-4']));
    const final = await runImport({ rows, files, state: startState(files, sha256(text), false), chunkSize: 2, addDevices: platform.addDevices });
    expect(platform.calls).toEqual([['D-1', 'D-2'], ['D-3', 'D-4'], ['D-5']]);
    expect(final).toEqual(expect.objectContaining({ rowsDone: 6, added: 4, existing: 0, rejected: 2, completed: true }));
    expect(JSON.parse(fs.readFileSync(files.state, 'utf8'))).toEqual(final);
    const report = fs.readFileSync(files.report, 'utf8').trim().split('\n');
    expect(report[0]).toBe('row,deviceIdentification,reason');
    expect(report.slice(1)).toEqual(['4,D-4,DEVICE_UID_TAKEN: uid of another device', expect.stringMatching(/^6,D-bad,"?deviceUid: /)]);
  });

  test('stopped after a chunk, the next run resumes after the rows done and sends none of them again', async () => {
    const { rows, text, files } = setUp(6, [`D-bad,xyz,${quoted(publicKeyPem)}`]);
    const first = fakePlatform();
    let chunks = 0;
    const stopped = await runImport({
      rows,
      files,
      state: startState(files, sha256(text), false),
      chunkSize: 4,
      addDevices: first.addDevices,
      onChunk: () => (chunks += 1),
      shouldStop: () => chunks >= 1,
    });
    expect(stopped).toEqual(expect.objectContaining({ rowsDone: 4, added: 4, completed: false }));

    const resumedState = startState(files, sha256(text), false);
    expect(resumedState.rowsDone).toBe(4);
    const second = fakePlatform();
    const final = await runImport({ rows, files, state: resumedState, chunkSize: 4, addDevices: second.addDevices });
    expect(second.calls).toEqual([['D-5', 'D-6']]);
    expect(final).toEqual(expect.objectContaining({ rowsDone: 7, added: 6, rejected: 1, completed: true }));
    // The report keeps what the first run wrote and has each rejected row once.
    expect(fs.readFileSync(files.report, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  test('a chunk sent but not recorded (interrupted mid-call) is sent again and counts as already there', async () => {
    const { rows, text, files } = setUp(3);
    const platform = fakePlatform();
    await platform.addDevices(rows.flatMap((r) => ('device' in r ? [r.device] : [])).slice(0, 2));
    const final = await runImport({ rows, files, state: startState(files, sha256(text), false), chunkSize: 10, addDevices: platform.addDevices });
    expect(final).toEqual(expect.objectContaining({ added: 1, existing: 2, rejected: 0 }));
  });

  test('a state file of another version of the CSV is not resumed; --restart starts again', async () => {
    const { rows, text, files } = setUp(2);
    let chunks = 0;
    await runImport({ rows, files, state: startState(files, sha256(text), false), chunkSize: 1, addDevices: fakePlatform().addDevices, onChunk: () => (chunks += 1), shouldStop: () => chunks > 0 });
    expect(startState(files, sha256(text), false).rowsDone).toBe(1);
    expect(() => startState(files, sha256(`${text}\n${line('D-9', 9)}`), false)).toThrow(/--restart/);
    expect(startState(files, sha256(`${text}\n${line('D-9', 9)}`), true).rowsDone).toBe(0);
  });
});
