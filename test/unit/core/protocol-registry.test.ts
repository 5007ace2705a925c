// The protocol list is written once: a third protocol, added to the registry with a stub adapter and no other
// edit, shows in the API's enums, its OpenAPI document, admin.getProtocolInfos and the routing of commands.
import type { AdapterActivities } from '../../../core/adapter-contract';
import type { ProtocolDefinition } from '../../../core/protocol-registry';

const fakeProtocol = {
  name: 'FAKE',
  version: '1.0',
  description: 'A protocol that exists only in this test',
  taskQueue: 'adapter-fake',
  workerRole: 'adapter-fake',
  deviceFields: ['networkAddress', 'port'],
  listener: null,
} as const satisfies ProtocolDefinition;

/** The stub adapter a new protocol starts with: declared against the adapter contract, as a real one is. */
const stubAdapter = {
  async executeDeviceCommand(request) {
    if (request.command.kind !== 'setReboot') throw new Error(`the stub only reboots, not ${request.command.kind}`);
    return { attempt: 1, response: { kind: 'setReboot' } };
  },
} satisfies AdapterActivities;

/** The platform's modules loaded afresh with the fake protocol added to the registry. */
async function withFakeProtocol() {
  let loaded: {
    contract: typeof import('../../../api/contract');
    admin: typeof import('../../../api/handlers/admin');
    openApi: typeof import('../../../api/openapi');
    protocols: typeof import('../../../core/protocols');
  } | undefined;
  await jest.isolateModulesAsync(async () => {
    const actual = jest.requireActual<typeof import('../../../core/protocol-registry')>('../../../core/protocol-registry');
    jest.doMock('../../../core/protocol-registry', () => ({ protocolRegistry: [...actual.protocolRegistry, fakeProtocol] }));
    loaded = {
      contract: await import('../../../api/contract'),
      admin: await import('../../../api/handlers/admin'),
      openApi: await import('../../../api/openapi'),
      protocols: await import('../../../core/protocols'),
    };
  });
  // The mock belongs to this isolated load only: other tests see the registry as it is.
  jest.dontMock('../../../core/protocol-registry');
  if (!loaded) throw new Error('modules not loaded');
  return loaded;
}

test('the stub adapter answers as the adapter contract says', async () => {
  const outcome = await stubAdapter.executeDeviceCommand({ correlationUid: 'c-1', deviceIdentification: 'F-1', command: { kind: 'setReboot' } });
  expect(outcome).toEqual({ attempt: 1, response: { kind: 'setReboot' } });
  await expect(stubAdapter.executeDeviceCommand({ correlationUid: 'c-2', deviceIdentification: 'F-1', command: { kind: 'getStatus' } })).rejects.toThrow(
    'the stub only reboots, not getStatus',
  );
});

test('a protocol added to the registry appears in the API enums, getProtocolInfos and routing with no other edit', async () => {
  const { contract, admin, openApi, protocols } = await withFakeProtocol();
  const { platformContract } = contract;

  expect(protocols.protocols).toEqual(['OSLP', 'DLMS', 'FAKE']);
  expect(protocols.adapterTaskQueue('FAKE' as never)).toBe('adapter-fake');
  expect(admin.protocolInfos()).toContainEqual({ protocol: 'FAKE', protocolVersion: '1.0', taskQueue: 'adapter-fake' });

  // Every place the API takes a protocol accepts the new one.
  expect(platformContract.admin.updateDeviceProtocol.body.safeParse({ protocol: 'FAKE', protocolVersion: '1.0' }).success).toBe(true);
  expect(platformContract.core.findDevices.query.safeParse({ protocol: 'FAKE' }).success).toBe(true);
  expect(platformContract.core.createDeviceGroup.body.safeParse({ groupIdentification: 'g', kind: 'FILTER', filter: { protocol: 'FAKE' } }).success).toBe(true);
  // core.addDevice adds the protocols that need no more than its fields: FAKE needs an address and a port.
  const addDevice = {
    deviceIdentification: 'F-1',
    protocol: 'FAKE',
    networkAddress: '127.0.0.1',
    port: 5000,
    deviceUid: 'AAECAwQFBgcICQoL',
    publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
  };
  expect(platformContract.core.addDevice.body.safeParse(addDevice).success).toBe(true);
  // ...but not DLMS, whose meters need settings of their own (smartMetering.addDevice).
  expect(platformContract.core.addDevice.body.safeParse({ ...addDevice, protocol: 'DLMS' }).success).toBe(false);

  // And the published API document says so.
  const document = JSON.stringify(openApi.buildOpenApiDocument());
  expect(document).toContain('"FAKE"');
});

test('without the fake, the platform speaks exactly the registered protocols', async () => {
  const { protocols, protocolRegistry } = await import('../../../core/protocols');
  expect(protocols).toEqual(protocolRegistry.map((p) => p.name));
  const { platformContract } = await import('../../../api/contract');
  expect(platformContract.core.findDevices.query.safeParse({ protocol: 'FAKE' }).success).toBe(false);
});
