/** Helpers for tests that run against the shared real dev server started by global-setup. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, type WorkerOptions } from '@temporalio/worker';

let runtimeInstalled = false;

export function testAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run tests through jest (global-setup starts the server)');
  return address;
}

/**
 * Namespaces the global dev server creates for suites that must use the fixed workflow ids an
 * operator uses (`sprint-M1`…`sprint-M4`: the orchestrator accepts no other sprint); one per suite,
 * so suites running in parallel never share a sprint workflow.
 */
export const TEST_NAMESPACES = ['sr-run', 'sr-kickoff', 'sr-modes', 'sr-control', 'sr-recipes', 'sr-hostile', 'sr-faults', 'sr-spare'] as const;
export type TestNamespace = (typeof TEST_NAMESPACES)[number];

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface TestTemporal {
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function connectTestTemporal(namespace: 'default' | TestNamespace = 'default'): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = testAddress();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    client,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A worker on the shared workflow bundle built once by global-setup. */
export async function createTestWorker(nativeConnection: NativeConnection, options: Omit<WorkerOptions, 'connection' | 'workflowsPath' | 'workflowBundle'>): Promise<Worker> {
  const codePath = process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('TEMPORAL_TEST_WORKFLOW_BUNDLE is not set (global-setup builds it)');
  return Worker.create({ connection: nativeConnection, workflowBundle: { codePath }, ...options });
}
