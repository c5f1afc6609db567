/** Temporal client connection for CLI commands. */
import { Client, Connection } from '@temporalio/client';
import type { RunnerConfig } from '../config';

export async function withClient<T>(config: RunnerConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: '5s' }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${config.temporalAddress} (${err.message.split('\n')[0]}); start it with \`npx sprint-runner dev-server\` or set TEMPORAL_ADDRESS`);
  });
  try {
    return await fn(new Client({ connection, namespace: config.temporalNamespace }));
  } finally {
    await connection.close();
  }
}
