/** Every error this library throws carries one of these codes. */
export type ProtocolErrorCode =
  | 'INVALID_SUBJECT_TOKEN'
  | 'INVALID_SUBJECT'
  | 'ENCODE_FAILED'
  | 'INVALID_SCMP_SHAPE'
  | 'DECODE_FAILED';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A name used as a subject token is empty or holds `.`, `*`, `>`, whitespace or a control character. */
export class InvalidSubjectTokenError extends ProtocolError {
  readonly token: string;
  /** Which part of the subject the token was meant for, e.g. `instance` or `component`. */
  readonly role: string;

  constructor(role: string, token: string) {
    super('INVALID_SUBJECT_TOKEN', `Invalid subject token for ${role}: ${JSON.stringify(token)}`);
    this.role = role;
    this.token = token;
  }
}

/** A subject string does not follow 3/ISM. */
export class InvalidSubjectError extends ProtocolError {
  readonly subject: string;

  constructor(subject: string, reason: string) {
    super('INVALID_SUBJECT', `Invalid 3/ISM subject ${JSON.stringify(subject)}: ${reason}`);
    this.subject = subject;
  }
}

export class ProtocolEncodeError extends ProtocolError {
  readonly schemaName: string;
  /** Dotted path of the first offending field, when one can be named. */
  readonly path: string | undefined;

  constructor(
    code: 'ENCODE_FAILED' | 'INVALID_SCMP_SHAPE',
    schemaName: string,
    message: string,
    options?: ErrorOptions & { path?: string },
  ) {
    super(code, `Cannot encode ${schemaName}: ${message}`, options);
    this.schemaName = schemaName;
    this.path = options?.path;
  }
}

/** The only error a codec's `decode` throws. */
export class ProtocolDecodeError extends ProtocolError {
  readonly schemaName: string;

  constructor(schemaName: string, message: string, options?: ErrorOptions) {
    super('DECODE_FAILED', `Cannot decode ${schemaName}: ${message}`, options);
    this.schemaName = schemaName;
  }
}
