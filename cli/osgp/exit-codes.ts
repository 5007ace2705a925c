// What `osgp` exits with, so scripts can tell a mistake in the command from a platform that refused it and
// from a request that ran but did not succeed on every device. Listed in `osgp --help` and the README.
export const ExitCode = {
  /** Done, and every device / row succeeded. */
  OK: 0,
  /** A bug of the CLI itself (an unexpected error). */
  INTERNAL: 1,
  /** The command was wrong: unknown option, bad value, no profile, unreadable file. Nothing was sent. */
  USAGE: 2,
  /** The platform could not be reached, refused the key (401/403) or answered an error. */
  API: 3,
  /** The work was done but not all of it succeeded: a request ended NOT_OK or CANCELLED, import rows were rejected. */
  FAILURES: 4,
  /** Stopped by Ctrl-C (SIGINT); an import can be resumed. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp = `Exit codes:
  0    ok: done, every device or row succeeded
  2    usage error: bad command, option or file; nothing was sent
  3    API error: platform unreachable, key refused (401/403) or an error answer
  4    finished with failures: a request ended NOT_OK/CANCELLED, or import rows were rejected
  130  interrupted (Ctrl-C); "devices import" resumes where it stopped`;

/** An error that ends the command with a chosen exit code and a message for the operator. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.USAGE);
export const apiError = (message: string): CliError => new CliError(message, ExitCode.API);
