// One adapter process role per protocol of the registry (core/protocols.ts): how each is started. A protocol
// added to the registry without an entry here fails `tsc`, so `npm start -- --role <its worker role>` always
// starts something.
import type { Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { MetricsRegistry } from '../common/metrics';
import { protocolDefinition, type Protocol } from '../core/protocols';
import type { PrismaClient } from '../db/client';
import { startDlmsAdapter } from './dlms-adapter';
import { startOslpAdapter } from './oslp-adapter';

export interface AdapterStartDeps {
  connection: NativeConnection;
  /** For adapters whose listeners start workflows (device events). */
  clientConnection: Connection;
  config: PlatformConfig;
  prisma: PrismaClient;
  logger: Logger;
  metrics: MetricsRegistry;
}

export interface RunningAdapter {
  /** Lines for the start-up banner: where it listens, which keys it uses. */
  description: string[];
  /** The adapter's Temporal worker, for its state in metrics and readiness. */
  worker: Worker;
  stop(): Promise<void>;
}

const adapterStarters: Record<Protocol, (deps: AdapterStartDeps) => Promise<RunningAdapter>> = {
  OSLP: async (deps) => {
    const adapter = await startOslpAdapter(deps);
    return {
      description: [
        `listener ${adapter.listenerAddress}`,
        `platform key ${adapter.platformKeyFile} (public half: ${adapter.platformPublicKeyFile})`,
      ],
      worker: adapter.worker,
      stop: () => adapter.stop(),
    };
  },
  DLMS: async (deps) => {
    const adapter = await startDlmsAdapter(deps);
    return { description: [`meter keys sealed with ${adapter.keyFile}`], worker: adapter.worker, stop: () => adapter.stop() };
  },
};

export async function startProtocolAdapter(protocol: Protocol, deps: AdapterStartDeps): Promise<RunningAdapter> {
  const running = await adapterStarters[protocol](deps);
  const { taskQueue } = protocolDefinition(protocol);
  return { ...running, description: [`task queue "${taskQueue}"`, ...running.description] };
}
