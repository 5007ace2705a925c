// The protocol registry: every device protocol the platform speaks, written once (./protocols.ts derives
// the rest). An entry says where the protocol's commands go and how its adapter runs. Adding a protocol:
// docs/adding-a-protocol.md.

/** What the platform needs to know of one protocol to route commands to it and to run its adapter. */
export interface ProtocolDefinition {
  /** The name devices are stored with and the API shows. */
  name: string;
  /** The protocol version the adapter implements (admin.getProtocolInfos). */
  version: string;
  description: string;
  /** The activity task queue its adapter's workers poll: routing a command to a protocol is choosing this queue. */
  taskQueue: string;
  /** The `npm start -- --role` that runs its adapter (activities and listener) in a process of its own. */
  workerRole: string;
  /**
   * The device fields (core.addDevice and its protocol's own add operation) a device of this protocol
   * needs before the platform can reach it, or that the protocol's own extension row holds.
   */
  deviceFields: readonly string[];
  /** The listener for messages the devices start, if the protocol has any (devices that call in). */
  listener: { transport: 'TCP'; description: string } | null;
}

export const protocolRegistry = [
  {
    name: 'OSLP',
    version: '0.6.1',
    description: 'Open Street Light Protocol: signed protobuf envelopes over TCP, one connection per exchange',
    taskQueue: 'adapter-oslp',
    workerRole: 'adapter-oslp',
    deviceFields: ['networkAddress', 'port', 'deviceUid', 'publicKey'],
    listener: { transport: 'TCP', description: 'registration (RegisterDevice, ConfirmRegisterDevice) and event notifications' },
  },
  {
    name: 'DLMS',
    // The DLMS version number the AARQ proposes (xDLMS InitiateRequest).
    version: '6',
    description: 'Smart meters over the IEC 62056-47 wrapper or HDLC, one association per exchange',
    taskQueue: 'adapter-dlms',
    workerRole: 'adapter-dlms',
    deviceFields: ['networkAddress', 'port', 'dlmsMeter'],
    listener: null,
  },
] as const satisfies readonly ProtocolDefinition[];
