import net from 'node:net';
import { buildDeviceUid, encodeEnvelope, generateKeyPair, MAX_PAYLOAD_LENGTH } from '../../../adapters/oslp/envelope';
import { OslpFrameAccumulator, sendRequest } from '../../../adapters/oslp/framing';
import { closedPort, rejectionCode, startServer, syncErrorCode } from './helpers';

const keys = generateKeyPair();
const frame = encodeEnvelope({ sequenceNumber: 7, deviceUid: buildDeviceUid(1, 1), payload: Buffer.from([0x5a, 0x00]) }, keys.privateKey);

function header(declaredLength: number): Buffer {
  const bytes = Buffer.alloc(144);
  bytes.writeUInt16BE(declaredLength, 142);
  return bytes;
}

describe('OSLP frame accumulator', () => {
  it('returns the frame only once its last byte is in, however it is split', () => {
    const accumulator = new OslpFrameAccumulator();
    for (let i = 0; i < frame.length - 1; i++) expect(accumulator.push(frame.subarray(i, i + 1))).toBeNull();
    expect(accumulator.push(frame.subarray(frame.length - 1))?.equals(frame)).toBe(true);
  });

  it('rejects an oversized frame as soon as the header is in', () => {
    const accumulator = new OslpFrameAccumulator();
    expect(syncErrorCode(() => accumulator.push(header(MAX_PAYLOAD_LENGTH + 1)))).toBe('OVERSIZED');
  });

  it('honours a smaller configured maximum', () => {
    expect(syncErrorCode(() => new OslpFrameAccumulator(10).push(header(11)))).toBe('OVERSIZED');
  });

  it('rejects bytes after the frame: one frame per connection', () => {
    expect(syncErrorCode(() => new OslpFrameAccumulator().push(Buffer.concat([frame, Buffer.from([1])])))).toBe('MALFORMED');
  });
});

describe('sendRequest', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  async function serve(onConnection: (socket: net.Socket) => void): Promise<number> {
    const server = await startServer(onConnection);
    servers.push(server);
    return server.port;
  }
  const send = (port: number, responseTimeoutMs = 2000) =>
    sendRequest({ host: '127.0.0.1', port, frame, connectTimeoutMs: 2000, responseTimeoutMs });

  it('writes the frame and returns the one frame that comes back', async () => {
    const port = await serve((socket) => {
      socket.once('data', (request: Buffer) => socket.end(request)); // echo
    });
    expect((await send(port)).equals(frame)).toBe(true);
  });

  it('reports a refused connection as CONNECT_FAILED', async () => {
    expect(await rejectionCode(send(await closedPort()))).toBe('CONNECT_FAILED');
  });

  it('reports silence as RESPONSE_TIMEOUT', async () => {
    const port = await serve(() => {});
    expect(await rejectionCode(send(port, 150))).toBe('RESPONSE_TIMEOUT');
  });

  it('reports a close before a whole frame as CONNECTION_CLOSED', async () => {
    const port = await serve((socket) => socket.end(frame.subarray(0, 100)));
    expect(await rejectionCode(send(port))).toBe('CONNECTION_CLOSED');
  });

  it('reports a reset after the request as CONNECTION_CLOSED', async () => {
    const port = await serve((socket) => socket.once('data', () => socket.resetAndDestroy()));
    expect(await rejectionCode(send(port))).toBe('CONNECTION_CLOSED');
  });

  it('reports an oversized answer as OVERSIZED without waiting for its payload', async () => {
    const port = await serve((socket) => socket.write(header(MAX_PAYLOAD_LENGTH + 1)));
    expect(await rejectionCode(send(port, 5000))).toBe('OVERSIZED');
  });
});
