// Runs one server in its own process, for tests that must survive a server stuck on the CPU
// (e.g. a regex that backtracks). Options come as JSON in argv[2]; prints {url, wsUrl} once.
import { startServer } from '@session-tracker/server';

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
process.stdout.write(`${JSON.stringify({ url: server.url, wsUrl: server.wsUrl, port: server.port })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
