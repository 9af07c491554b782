import { parseArgs } from 'node:util';
import { serveHelp, serveOptions, SERVE_FLAGS } from './cli/serve-options.js';
import { ADMIN_HELP, CliError, closeCommand, EXIT, sessionsCommand, statsCommand } from './cli/admin.js';
import { startServer } from './server.js';
import { eventsCommand, historyCommand, HISTORY_HELP } from './cli/history.js';

const USAGE = () => `Usage: session-tracker <command> [options]

Commands:
  serve      start the tracker server (session-tracker serve --help for its options)
  sessions   list sessions: a table, JSON, CSV or the 7.9 dataset; --watch redraws live
  stats      session, user and page counts
  close      end a session (its sockets get session.closing and close 4000)
  history    ended sessions: who was connected, when, from where, sending how much
  events     logins, failed logins, pages, admin actions, starts and ends
  help       show this help

${ADMIN_HELP}
${HISTORY_HELP}
Every serve option also reads an environment variable (SESSION_TRACKER_*); prefer
the environment for secrets, since command lines are visible to other local users.
`;

function out(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE());
    return;
  }
  const admin = { sessions: sessionsCommand, stats: statsCommand, close: closeCommand, history: historyCommand, events: eventsCommand }[
    command
  ];
  if (admin) {
    try {
      await admin(rest, process.stdout, process.env);
    } catch (err) {
      const code = err instanceof CliError ? err.exitCode : err instanceof TypeError && 'code' in err ? EXIT.usage : EXIT.failed;
      out(`session-tracker ${command}: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = code;
    }
    return;
  }
  if (command !== 'serve') {
    out(`session-tracker: unknown command "${command}"\n\n${USAGE()}`);
    process.exitCode = 2;
    return;
  }
  await serve(rest);
}

async function serve(args: string[]): Promise<void> {
  const options = Object.fromEntries(SERVE_FLAGS.map((f) => [f.flag, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    out(`session-tracker serve: ${(err as Error).message}\n\n${serveHelp()}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(serveHelp());
    return;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(serveOptions(values as Record<string, string | undefined>, process.env));
  } catch (err) {
    out(`session-tracker serve: ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  out(`session-tracker listening on ${server.url} (WebSocket ${server.wsUrl}, health ${server.url}/healthz)`);
  if (server.tracker.adminTokenGenerated) {
    // Printed once, like Jupyter's token: the only place the generated secret appears.
    out(`Admin token (generated for this run; set --admin-token or SESSION_TRACKER_ADMIN_TOKEN to fix it):\n    ${server.adminToken}`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      out(`session-tracker: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    out(`session-tracker: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), server.tracker.options.closeTimeoutMs + 3_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
