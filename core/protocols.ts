// The protocols the platform speaks, as the rest of the platform uses them: the names, their validation, and
// routing (one activity task queue per protocol adapter). All of it derives from the registry's one list
// (./protocol-registry.ts), as do the API's enums, the device filters, admin.getProtocolInfos and the worker
// roles of `npm start`. Pure: workflows use it too. Adding a protocol: docs/adding-a-protocol.md.
import { protocolRegistry, type ProtocolDefinition } from './protocol-registry';

export { protocolRegistry, type ProtocolDefinition };

export type Protocol = (typeof protocolRegistry)[number]['name'];

/** The protocol names, in registry order, as zod's enum wants them (at least one). */
export const protocols = protocolRegistry.map((p) => p.name) as unknown as readonly [Protocol, ...Protocol[]];

/** The protocols whose devices need no fields beyond these: which protocols an add operation with them can add. */
export function protocolsWithDeviceFields(fields: readonly string[]): readonly [Protocol, ...Protocol[]] {
  const names = protocolRegistry.filter((p) => p.deviceFields.every((field) => fields.includes(field))).map((p) => p.name);
  return names as unknown as readonly [Protocol, ...Protocol[]];
}

export function isProtocol(value: string): value is Protocol {
  return (protocols as readonly string[]).includes(value);
}

/** A protocol as the database stores it (text); a name the registry does not list is a defect, not input. */
export function asProtocol(value: string): Protocol {
  if (!isProtocol(value)) throw new Error(`device protocol ${value} is not in the protocol registry (core/protocols.ts)`);
  return value;
}

export function protocolDefinition(protocol: Protocol): ProtocolDefinition {
  const definition: ProtocolDefinition | undefined = protocolRegistry.find((p) => p.name === protocol);
  if (!definition) throw new Error(`protocol ${protocol} is not in the protocol registry (core/protocols.ts)`);
  return definition;
}

/** Routing a command to a protocol is choosing the activity task queue of that protocol's adapter. */
export function adapterTaskQueue(protocol: Protocol): string {
  return protocolDefinition(protocol).taskQueue;
}

/** The task queue of domain workflows and core activities (database records). */
export const coreTaskQueue = 'core';
