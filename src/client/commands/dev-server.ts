import type { Command } from 'commander';
import { join } from 'node:path';
import { startDevServer } from '../../temporal/dev-server';

export function registerDevServerCommand(program: Command): void {
  program
    .command('dev-server')
    .description('Start the Temporal dev server (gRPC + Web UI, SQLite persistence, our search attributes).')
    .option('--port <port>', 'frontend gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--ip <ip>', 'bind address', '127.0.0.1')
    .option('--db-file <path>', 'SQLite file (survives restarts)', join('.sprint-runner', 'temporal.db'))
    .option('--headless', 'no Web UI')
    .action(async (options: { port: string; uiPort: string; ip: string; dbFile: string; headless?: boolean }) => {
      const server = await startDevServer({
        port: Number(options.port),
        uiPort: options.headless ? null : Number(options.uiPort),
        ip: options.ip,
        dbFile: options.dbFile,
        stdio: 'inherit',
      });
      process.stderr.write(
        `${JSON.stringify({ type: 'DEV_SERVER_READY', address: server.address, web_ui: server.uiUrl, db_file: options.dbFile })}\n`,
      );
      const stop = () => void server.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
    });
}
