// `osgp`: the operator CLI of the platform. It talks to the platform only through the typed API client.
// Run as `osgp` (package.json bin → cli/osgp/bin.cjs, which loads this file through tsx) or `npx tsx cli/osgp/index.ts`.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import * as commands from './commands';
import { CliError, ExitCode, exitCodeHelp } from './exit-codes';

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('must be a whole number');
  return parsed;
}

export function buildProgram(): Command {
  const program = new Command('osgp')
    .description('Operate the Open Smart Grid Platform: log in, import and list devices, switch lights and follow requests, schedules and events.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .option('--profile <name>', 'profile to use (see "osgp login"; OSGP_PROFILE)')
    .option('--url <url>', 'platform URL, overriding the profile (OSGP_URL)')
    .option('--api-key <key>', 'API key, overriding the profile (OSGP_API_KEY)')
    .option('--json', 'print the result as JSON on stdout (progress bars are left out)')
    .option('--no-progress', 'no progress bar')
    .addHelpText('afterAll', `\nProfiles are stored in ${commands.describeProfileFile()} (mode 0600).\n${exitCodeHelp}`);

  const withGlobals = <T>(command: Command): T & commands.GlobalOptions => command.optsWithGlobals<T & commands.GlobalOptions>();

  program
    .command('login')
    .description('store the platform URL (--url, e.g. http://127.0.0.1:3000) and an API key (--api-key) in a profile (--profile, default "default"); the key is checked first')
    .usage('--url URL --api-key KEY [--profile NAME]')
    .action((_options, command: Command) => commands.login(withGlobals(command)));

  const devices = program.command('devices').description('device inventory');
  devices
    .command('import')
    .description(
      'add the devices of a CSV with core.addDevices, in chunks, with a progress bar. Columns (header row): ' +
        'deviceIdentification, deviceUid, publicKey (PEM, quoted) and optionally alias, protocol (default OSLP), networkAddress, port, ' +
        'latitude, longitude, activated, deviceType. <csv>.import-state.json records the rows done (Ctrl-C and run again to resume); ' +
        '<csv>.rejected.csv lists every row not added, with the reason.',
    )
    .argument('<csv>', 'the CSV file')
    .option('--chunk-size <rows>', 'rows per core.addDevices call (1-10000)', wholeNumber, 1000)
    .option('--restart', 'ignore the recorded state and import from the first row')
    .action((csv: string, _options, command: Command) => commands.importDevices(csv, withGlobals(command)));
  devices
    .command('list')
    .description('list devices (filtered, one page at a time; --all for every page)')
    .option('--prefix <text>', 'device identifications starting with this')
    .option('--protocol <name>', 'OSLP, DLMS, ...')
    .option('--owner <organisation>', 'owner organisation identification')
    .option('--activated <bool>', 'true or false')
    .option('--in-maintenance <bool>', 'true or false')
    .option('--lifecycle <status>', 'lifecycle status, e.g. IN_USE')
    .option('--limit <n>', 'devices per page (1-1000)', wholeNumber, 100)
    .option('--after <cursor>', 'the cursor printed with the previous page')
    .option('--all', 'follow every page')
    .action((_options, command: Command) => commands.listDevices(withGlobals(command)));

  const light = program.command('light').description('public lighting');
  light
    .command('set')
    .description('switch lights (publicLighting.setLight) and show the progress per device until the request ends; then the failures')
    .option('--group <name>', 'a device group of yours (any size)')
    .option('--devices <list>', 'comma-separated device identifications (at most 1,000)')
    .addOption(new Option('--on', 'switch on').conflicts('off'))
    .addOption(new Option('--off', 'switch off').conflicts('on'))
    .option('--dim <percent>', 'dim value 1-100 (with --on)', wholeNumber)
    .option('--index <n>', 'light index; 0 = every light of the device', wholeNumber, 0)
    .option('--idempotency-key <key>', 'repeating with the same key returns the same request and switches once')
    .option('--no-wait', 'print the correlation uid and return at once')
    .action((_options, command: Command) => commands.lightSet(withGlobals(command)));

  const requests = program.command('requests').description('requests (every device operation is one)');
  requests
    .command('watch')
    .description('show the progress of a request until it ends, then its failed devices')
    .argument('<correlationUid>', 'the request')
    .action((correlationUid: string, _options, command: Command) => commands.watch(correlationUid, withGlobals(command)));
  requests
    .command('list')
    .description('list requests, newest first')
    .option('--state <state>', 'PENDING, IN_PROGRESS, OK, NOT_OK or CANCELLED')
    .option('--operation <name>', '<domain>.<operation>, e.g. publicLighting.setLight')
    .option('--device <identification>', 'requests with a result for this device')
    .option('--from <iso>', 'created at or after (ISO 8601 with time zone)')
    .option('--to <iso>', 'created before')
    .option('--limit <n>', 'requests per page (1-1000)', wholeNumber, 20)
    .option('--after <cursor>', 'the cursor printed with the previous page')
    .action((_options, command: Command) => commands.listRequests(withGlobals(command)));

  const schedules = program.command('schedules').description('platform-side lighting schedules');
  schedules
    .command('list')
    .description('list lighting schedules with their next run times')
    .option('--limit <n>', 'schedules per page (1-1000)', wholeNumber, 100)
    .option('--after <cursor>', 'the cursor printed with the previous page')
    .option('--runs <n>', 'next run times shown per schedule', wholeNumber, 3)
    .action((_options, command: Command) => commands.listSchedules(withGlobals(command)));

  const events = program.command('events').description('device events');
  events
    .command('tail')
    .description('print the latest device events, then follow new ones (core.findEvents) until Ctrl-C')
    .option('--device <identification>', 'one device (required for USER organisations)')
    .option('--type <eventType>', 'one event type, e.g. LIGHT_EVENTS_LIGHT_ON')
    .option('-n, --lines <n>', 'events shown first', wholeNumber, 10)
    .option('--no-follow', 'print the latest events and stop')
    .option('--interval <ms>', 'how often to ask for new events', wholeNumber, 2000)
    .action((_options, command: Command) => commands.tailEvents(withGlobals(command)));

  return program;
}

/** Runs the CLI and answers its exit code (printing the reason of a failure on stderr). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end "successfully"; every other parse error is a usage error (commander printed it).
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(`osgp: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`osgp: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.INTERNAL;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
