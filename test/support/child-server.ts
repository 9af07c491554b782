import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, JWT_SECRET } from './server.js';

export interface ChildServer extends AsyncDisposable {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Kills the process (SIGKILL: it may be stuck on the CPU). */
  kill(): Promise<void>;
}

/**
 * Starts the server in a child process (same defaults as startTestServer). Use when a
 * failing server could block the event loop: the test process keeps its timers.
 */
export async function startChildServer(options: Record<string, unknown> = {}): Promise<ChildServer> {
  const script = fileURLToPath(new URL('./server-process.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify({ adminToken: ADMIN_TOKEN, jwtSecret: JWT_SECRET, ...options })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<{ url: string; wsUrl: string }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child server did not start')), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited with ${code}`));
    });
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return { ...info, child, kill, [Symbol.asyncDispose]: kill };
}
