/**
 * `npm run cluster -- up [--mtls] [--no-ui] [--port N] [--dir D]` | `down [--purge] [--dir D]` | `status [--dir D]`
 * The native production-topology rig (scripts/cluster/rig.ts; docs/cluster.md).
 */
import { clusterDown, clusterUp, defaultRigDir, isAlive, readRigState, rigClientEnv, type RigState } from './rig';

function usage(): never {
  process.stderr.write('usage: npm run cluster -- up [--mtls] [--no-ui] [--port N] [--dir D] | down [--purge] [--dir D] | status [--dir D]\n');
  process.exit(2);
}

function describe(state: RigState): string {
  const env = Object.entries(rigClientEnv(state))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [
    `frontend: ${state.address}${state.mtls ? ' (mTLS)' : ''}`,
    `web ui:   ${state.uiUrl ?? '(not started)'}`,
    `database: PostgreSQL 127.0.0.1:${state.ports.postgres} (databases temporal, temporal_visibility; SQL visibility)`,
    `connect:  export ${env}`,
    `rig dir:  ${state.dir}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flag = (name: string) => rest.includes(name);
  const value = (name: string) => {
    const i = rest.indexOf(name);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) usage();
    return v;
  };
  const known = new Set(['--mtls', '--no-ui', '--port', '--dir', '--purge']);
  for (const arg of rest) if (arg.startsWith('--') && !known.has(arg)) usage();
  const dir = value('--dir') ?? defaultRigDir();
  if (command === 'up') {
    const port = value('--port');
    const state = await clusterUp({ dir, mtls: flag('--mtls'), ui: !flag('--no-ui'), ...(port !== undefined ? { port: Number(port) } : {}) });
    process.stdout.write(`CLUSTER_UP in ${(state.startMs / 1000).toFixed(1)} s\n${describe(state)}\n`);
  } else if (command === 'down') {
    const state = await clusterDown({ dir, purge: flag('--purge') });
    process.stdout.write(state ? `CLUSTER_DOWN: stopped the rig in ${dir}${flag('--purge') ? ' and deleted it' : ' (data kept; --purge deletes it)'}\n` : `no rig in ${dir}\n`);
  } else if (command === 'status') {
    const state = readRigState(dir);
    if (!state) {
      process.stdout.write(`no rig in ${dir}\n`);
      process.exitCode = 1;
      return;
    }
    const up = isAlive(state.pids.server);
    process.stdout.write(`${up ? 'running' : 'stopped'}\n${describe(state)}\n`);
    process.exitCode = up ? 0 : 1;
  } else {
    usage();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`cluster: ${(err as Error).message}\n`);
  process.exit(1);
});
