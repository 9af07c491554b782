// Request/response over Node's child-process IPC channel, shared by the bench
// parent, the server host and the load workers. Every call has a timeout so a
// stuck child can never hang the run.
import { fork } from 'node:child_process';

/**
 * Forks `modulePath` and returns a handle with `call(type, payload, timeoutMs)`.
 * Children that call `serve()` answer calls; `ready` resolves on their first
 * `{type:'ready'}` message. With `onOutput(stream, text)` the child's stdout and
 * stderr are piped to it (stream is 'stdout' or 'stderr') instead of inherited.
 */
export function spawnChild(modulePath, args = [], { execArgv = [], env, readyTimeoutMs = 30_000, onOutput } = {}) {
  const child = fork(modulePath, args, {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', onOutput ? 'pipe' : 'inherit', onOutput ? 'pipe' : 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  if (onOutput) {
    child.stdout.setEncoding('utf8').on('data', (text) => onOutput('stdout', text));
    child.stderr.setEncoding('utf8').on('data', (text) => onOutput('stderr', text));
  }
  const pending = new Map();
  let nextId = 1;
  let readyInfo;
  let readyResolve;
  let readyReject;
  const ready = new Promise((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  const readyTimer = setTimeout(() => readyReject(new Error(`${modulePath}: not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs);
  child.on('message', (msg) => {
    if (msg?.type === 'ready') {
      clearTimeout(readyTimer);
      readyInfo = msg;
      readyResolve(msg);
      return;
    }
    const p = pending.get(msg?.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${p.type}: ${msg.error}`));
  });
  child.on('exit', (code, signal) => {
    clearTimeout(readyTimer);
    readyReject(new Error(`${modulePath} exited (${code ?? signal}) before ready`));
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${modulePath} exited (${code ?? signal}) during ${p.type}`));
    }
    pending.clear();
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  return {
    child,
    ready,
    get info() {
      return readyInfo;
    },
    call(type, payload = {}, timeoutMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${modulePath} is not running (${type})`));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${type}: no answer from ${modulePath} after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer, type });
        child.send({ ...payload, id, type });
      });
    },
    /** Waits for the child to exit, killing it (by its own handle) after `graceMs`. */
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((res) => child.once('exit', res));
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(t);
    },
  };
}

// Children still running when the parent exits are killed by handle, never by name.
const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * Child side: answers `{id, type, ...}` calls with `handlers[type](msg)`.
 * Exits when the parent goes away, and after `maxLifeMs` no matter what, so a
 * forgotten worker cannot linger.
 */
export function serve(handlers, { maxLifeMs = 15 * 60_000 } = {}) {
  if (!process.send) throw new Error('must be started by the bench parent (IPC channel missing)');
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  setTimeout(() => {
    process.stderr.write(`bench child ${process.pid}: max lifetime reached, exiting\n`);
    process.exit(3);
  }, maxLifeMs).unref();
  process.on('message', async (msg) => {
    const handler = handlers[msg?.type];
    if (!handler) {
      process.send({ id: msg?.id, ok: false, error: `unknown call ${msg?.type}` });
      return;
    }
    try {
      const result = await handler(msg);
      process.send({ id: msg.id, ok: true, result: result ?? null });
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}
