/**
 * The spawning half of the worker's group watcher (group-reaper.ts), as source text for its `node -e`
 * (it shares the watcher's scope: `runs`, `reap`). The worker (spawn-host.ts) sends, over the IPC
 * channel and in order, the three ends of the child's stdio as sockets (`{op:'stdio', id, fd}` with
 * the handle), then `{op:'spawn', id, command, args, env, cwd}`. The watcher starts the child in
 * its own process group with exactly those sockets as fds 0–2, closes its copies, watches the group
 * at once (a worker killed between the spawn and its own `+<pgid>` still loses the run), and answers
 * `{op:'spawned', id, pid}` or `{op:'error', id, code, message}`, later `{op:'exit', id, code, signal}`.
 * Output never passes through this process: the child writes into the worker's sockets directly.
 */
export const SPAWN_SERVICE_JS = `
const childProcess = require('node:child_process');
const stdioById = new Map();
const reply = (message) => { try { process.send(message); } catch {} };
process.on('message', (message, handle) => {
  if (!message || typeof message !== 'object' || typeof message.id !== 'number') return;
  if (message.op === 'stdio') {
    if (!stdioById.has(message.id)) stdioById.set(message.id, []);
    stdioById.get(message.id)[message.fd] = handle;
    return;
  }
  if (message.op !== 'spawn') return;
  const fds = stdioById.get(message.id) || [];
  stdioById.delete(message.id);
  const closeCopies = () => { for (const socket of fds) if (socket) socket.destroy(); };
  let child;
  try {
    child = childProcess.spawn(message.command, message.args, { env: message.env, cwd: message.cwd, detached: true, stdio: [fds[0], fds[1], fds[2]], windowsHide: true });
  } catch (err) {
    closeCopies();
    reply({ op: 'error', id: message.id, code: err.code || null, message: String(err.message) });
    return;
  }
  closeCopies();
  if (child.pid !== undefined && !runs.has(child.pid)) runs.set(child.pid, []);
  child.once('error', (err) => reply({ op: 'error', id: message.id, code: err.code || null, message: String(err.message) }));
  child.once('spawn', () => reply({ op: 'spawned', id: message.id, pid: child.pid }));
  child.once('exit', (code, signal) => reply({ op: 'exit', id: message.id, code, signal }));
});
process.on('disconnect', reap);
`;
