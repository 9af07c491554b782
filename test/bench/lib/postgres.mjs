// A private PostgreSQL for the history bench (the tests have theirs in test/support/postgres.ts):
// initdb in a temporary directory, 127.0.0.1 on a free port, as the postgres user when root.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function bin() {
  const root = '/usr/lib/postgresql';
  const major = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d))
        .sort((a, b) => b - a)[0]
    : undefined;
  if (major === undefined) throw new Error('postgresql is not installed: apt-get install -y postgresql');
  return join(root, major, 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts one; returns its URL, its data directory and stop(). fsync stays on: the figures are a real server's. */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'st-bench-pg-'));
  const root = process.getuid?.() === 0;
  const ids = root
    ? {
        uid: Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout),
        gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout),
      }
    : {};
  if (root) chownSync(dir, ids.uid, ids.gid);
  const init = spawnSync(join(bin(), 'initdb'), ['-D', join(dir, 'data'), '-U', 'st', '--auth=trust', '-E', 'UTF8', '--locale=C'], {
    encoding: 'utf8',
    ...ids,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child = spawn(
    join(bin(), 'postgres'),
    ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'], ...ids },
  );
  await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      if (out.includes('ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postgres exited with ${code}: ${out}`)));
  });
  return {
    url: `postgres://st@127.0.0.1:${port}/postgres`,
    dataDir: join(dir, 'data'),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
