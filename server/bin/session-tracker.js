#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/.
import('../dist/cli.js')
  .then((cli) => cli.main(process.argv.slice(2)))
  .catch((err) => {
    process.stderr.write(`session-tracker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
