// calltrace command line:
//   analyze FILE... [--json] [--db PATH] [--all] [--settings FILE] [--own CIDR,…] [--mapping FILE] [--jobs N]
//   report  FILE... [--json] [--db PATH] [--settings FILE] [--own CIDR,…] [--mapping FILE] [--jobs N]
//   serve   [FILE...] [--port N] [--db PATH] [--settings FILE] [--own CIDR,…]
//   export  FILE... --call CALL-ID [--call …] [--pcap OUT.pcapng] [--html OUT.html] [--redact] [--db PATH]
// Files are recognised by content (captures, CDR exports, agent events), alone or mixed.
// Exit status is non-zero only when nothing at all could be read (bad input is reported per
// file on stderr, one line each, and everything good is still printed).
//
// This is the entry point of the compiled command line (build/build_cli.ts bundles it into
// dist/cli/calltrace.mjs) and of `npm run calltrace:dev` (tsx, from the sources). It imports
// only the usage texts and the version: --version, -h and help print without loading SQLite
// or the engine, and each command's modules are imported when that command runs.

import { packageVersion } from '../app_root.ts';
import { EXPORT_USAGE, USAGE } from './usage.ts';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`calltrace ${packageVersion()}\n`);
    return 0;
  }
  // -h / --help anywhere (calltrace analyze -h) asks for the usage, as with most tools.
  if (argv[0] === 'export' && argv.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(EXPORT_USAGE + '\n');
    return 0;
  }
  if (argv.some((a) => a === '-h' || a === '--help') || (argv.length === 1 && argv[0] === 'help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (argv.length === 0) {
    process.stdout.write(USAGE + '\n');
    return 2;
  }
  // export has options of its own (--call, --pcap …): parsed by its module.
  if (argv[0] === 'export') return (await import('../export/export_command.ts')).runExport(argv.slice(1));
  return (await import('./commands.ts')).runCommand(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`calltrace: ${e.message}\n`);
    process.exitCode = 1;
  },
);
