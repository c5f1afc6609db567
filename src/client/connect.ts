/** Temporal client connection for CLI commands: profile + TEMPORAL_* env (src/temporal/connection.ts). */
import { Client } from '@temporalio/client';
import type { RunnerConfig } from '../config';
import { connectClient, resolveConnectionSettings } from '../temporal/connection';

export async function withClient<T>(config: RunnerConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const settings = resolveConnectionSettings(config);
  const connection = await connectClient(settings);
  try {
    return await fn(new Client({ connection, namespace: settings.namespace }));
  } finally {
    await connection.close();
  }
}
