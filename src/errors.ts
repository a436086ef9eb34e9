/**
 * Error classes and the one place where they become exit codes.
 *
 * Library code throws these; only the CLI entry turns them into a message on stderr and
 * `process.exitCode`. Every message says what went wrong; `hint` says what to do about it.
 */

export const ExitCode = {
  /** Success, including an empty result. */
  OK: 0,
  /** The operation failed (a general failure not covered below). */
  FAILURE: 1,
  /** Wrong command line: unknown command or flag, bad flag value. */
  USAGE: 2,
  /** Input data is invalid (a bad CSV row, an unresolved reference); nothing was written. */
  INVALID_INPUT: 3,
  /** No usable database: missing file, not a crm database, schema newer than this tool. */
  NO_DATABASE: 4,
  /** The database is busy or locked by another process; try again. */
  BUSY: 5,
  /** An integrity check failed: a corrupt database or backup, a checksum mismatch. */
  INTEGRITY: 6,
  /** Another run holds the lock (e.g. a second `crm backup` while one is running). */
  LOCKED: 7,
  /** Cannot connect to the PostgreSQL server: refused, unknown host, wrong password, lost connection. */
  CANNOT_CONNECT: 8,
  /** Unexpected exception: a bug in crm. */
  BUG: 70,
  /** Interrupted by Ctrl-C or a declined confirmation. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CrmError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.FAILURE;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends CrmError {
  override readonly exitCode = ExitCode.USAGE;
}

/** One problem with one input row; the import report lists all of them. */
export interface InputProblem {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly value?: string;
  readonly reason: string;
}

export class InputError extends CrmError {
  override readonly exitCode = ExitCode.INVALID_INPUT;
  constructor(
    message: string,
    hint?: string,
    readonly problems: readonly InputProblem[] = [],
  ) {
    super(message, hint);
  }
}

export class DatabaseError extends CrmError {
  override readonly exitCode = ExitCode.NO_DATABASE;
}

export class BusyError extends CrmError {
  override readonly exitCode = ExitCode.BUSY;
}

export class IntegrityError extends CrmError {
  override readonly exitCode = ExitCode.INTEGRITY;
}

export class LockedError extends CrmError {
  override readonly exitCode = ExitCode.LOCKED;
}

export class ConnectError extends CrmError {
  override readonly exitCode = ExitCode.CANNOT_CONNECT;
}

export class InterruptedError extends CrmError {
  override readonly exitCode = ExitCode.INTERRUPTED;
}

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

/**
 * Turns a driver error into a CrmError where we know what it means. Anything else is returned
 * as it is and reported as a bug.
 */
export function classifyError(err: unknown): unknown {
  if (err instanceof CrmError || typeof err !== 'object' || err === null) return err;
  const { code, message } = err as SqliteLikeError;
  const text = typeof message === 'string' ? message : String(err);
  if (typeof code !== 'string') return classifyUncoded(err, text);
  const pg = classifyPostgres(code, text);
  if (pg) return pg;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BusyError(`the database is busy: ${text}`, 'another crm or sqlite3 process is writing to it; try again in a moment');
  }
  if (code === 'SQLITE_NOTADB') {
    return new DatabaseError(`not a database: ${text}`, 'check the path given with --db or CRM_DB');
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new IntegrityError(`the database is corrupt: ${text}`, 'restore the latest verified backup: crm backup list, then crm restore FILE');
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new CrmError(`an input/output error: ${text}`, 'the disk may be full, failing or gone; check it and run the command again');
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new CrmError(`the disk is full: ${text}`, 'free some space and run the command again');
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN') || code === 'EACCES' || code === 'EROFS') {
    return new CrmError(`cannot write: ${text}`, 'check the permissions of the file and its directory');
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new InputError(`a constraint of the data model was violated: ${text}`);
  }
  return err;
}

/**
 * Driver errors without a code. node-postgres, asked for a password the server wants when there
 * is none (no PGPASSWORD, no line in ~/.pgpass), fails inside its SCRAM client with "SASL:
 * SCRAM-SERVER-FIRST-MESSAGE: client password must be a string" (or, for md5 and password
 * logins, a TypeError about the password).
 */
function classifyUncoded(err: unknown, text: string): unknown {
  if (/client password must be a string|SASL: SCRAM-SERVER-FIRST-MESSAGE|password must be a string/i.test(text)) {
    return new ConnectError(
      'the PostgreSQL server wants a password and none was given',
      'set PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass (chmod 0600); never put it in the URL',
    ); // the same as noPassword() of src/db/pg-pass.ts
  }
  if (/Connection terminated (unexpectedly|due to connection timeout)|timeout expired/i.test(text)) {
    return new ConnectError(`the connection to the PostgreSQL server failed or was lost: ${text}`, 'check that the server runs and the URL (host, port, database, user); nothing of the interrupted command was committed');
  }
  return err;
}

/**
 * A failure while connecting to a server, said with the server's name (the URL as shown to
 * people: user, host, port and database, never a password).
 */
export function atServer(err: unknown, display: string): unknown {
  const e = classifyError(err);
  if (e instanceof ConnectError && !e.message.includes(display)) return new ConnectError(`${display}: ${e.message}`, e.hint);
  return e;
}

/** PostgreSQL's SQLSTATE codes and the socket errors of a server connection. Never echoes a password (pg's messages hold none). */
function classifyPostgres(code: string, text: string): CrmError | undefined {
  const hint = 'check that the server runs and the URL (host, port, database, user); the password comes from PGPASSWORD or ~/.pgpass';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return new ConnectError(`cannot connect to the PostgreSQL server: ${text}`, hint);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08')) {
    return new ConnectError(`the connection to the PostgreSQL server failed or was lost: ${text}`, 'nothing of the interrupted command was committed; run it again when the server is back');
  }
  if (code === '28P01' || code === '28000') return new ConnectError(`the PostgreSQL server refused the login: ${text}`, hint);
  if (code === '3D000') return new ConnectError(`${text} on the PostgreSQL server`, 'create it first (createdb NAME), then run crm init --db with its URL');
  if (code === '40001' || code === '40P01' || code === '55P03') {
    return new BusyError(`the database is busy: ${text}`, 'another crm run changed the same rows at the same time; run the command again');
  }
  if (code === '25006') return new UsageError(`refused: ${text}`);
  if (code.startsWith('23')) return new InputError(`a constraint of the data model was violated: ${text}`);
  if (code === '53100') return new CrmError(`the server's disk is full: ${text}`, 'free some space on the server and run the command again');
  if (code === '42501') return new CrmError(`permission denied on the server: ${text}`, 'the database user needs rights on the crm tables');
  return undefined;
}
