import type { Command } from 'commander';
import { join } from 'node:path';
import { startDevServer } from '../../temporal/dev-server';
import { parseStrictInt, withUsageErrors } from '../cli-args';

export function registerDevServerCommand(program: Command): void {
  program
    .command('dev-server')
    .description('Start the Temporal dev server (gRPC + Web UI, SQLite persistence, our search attributes).')
    .option('--port <port>', 'frontend gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--ip <ip>', 'bind address', '127.0.0.1')
    .option('--db-file <path>', 'SQLite file (survives restarts)', join('.sprint-runner', 'temporal.db'))
    .option('--headless', 'no Web UI')
    .action(
      withUsageErrors(async (options: { port: string; uiPort: string; ip: string; dbFile: string; headless?: boolean }) => {
        // Checked before anything starts: Number('abc') is NaN and would reach the server's flags.
        const port = parseStrictInt(options.port, '--port', { min: 1, max: 65535 });
        const uiPort = options.headless ? null : parseStrictInt(options.uiPort, '--ui-port', { min: 1, max: 65535 });
        const server = await startDevServer({
          port,
          uiPort,
          ip: options.ip,
          dbFile: options.dbFile,
          stdio: 'inherit',
        });
        process.stderr.write(`${JSON.stringify({ type: 'DEV_SERVER_READY', address: server.address, web_ui: server.uiUrl, db_file: options.dbFile })}\n`);
        const stop = () => void server.stop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
      }),
    );
}
