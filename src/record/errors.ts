/**
 * The record module's refusals: one small class per concern, each with a stable `code` (what a
 * problem type or a test names) and `retryable` (whether trying the same thing again can help; here
 * it never can: a wrong key, a tampered byte or a bad declaration stays wrong).
 *
 * Guarantee kept by every caller in src/record: a message never holds a payload's plaintext, a key's
 * bytes or a configuration value that may be a key — only ids (message, key, certificate) and fixed
 * text — and no error carries a `cause` from node:crypto, whose text we do not control.
 * They are plain Errors, not the hub's WaslaError, so that the SDK can use this module alone; the
 * HTTP edge maps the codes it meets to problem types.
 */

export class RecordError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** An encrypted payload that cannot be opened or rewrapped (tampered, moved, unknown key, malformed). */
export class PayloadCryptoError extends RecordError {
  declare readonly code: PayloadErrorCode;

  constructor(code: PayloadErrorCode, message: string) {
    super(code, message);
  }
}

export type PayloadErrorCode = 'payload-malformed' | 'payload-key-unknown' | 'payload-authentication-failed' | 'payload-input-invalid';

/** A configuration variable with a wrong value; names the variable, never echoes its value. */
export class KeyConfigError extends RecordError {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super('config-invalid', `${variable}: ${detail}`);
  }
}

/** A schema annotation of src/record (classification, issuer) that cannot be used; `pointer` is into the schema. */
export class DeclarationError extends RecordError {
  constructor(
    readonly pointer: string,
    detail: string,
  ) {
    super('declaration-invalid', `${pointer || '(root)'}: ${detail}`);
  }
}

/** A time zone the platform's Intl does not know. */
export class TimeZoneError extends RecordError {
  constructor(zone: string) {
    super('time-zone-invalid', `unknown time zone ${JSON.stringify(zone.slice(0, 64))} (an IANA name such as "Asia/Hebron")`);
  }
}

export type OriginErrorCode =
  | 'origin-evidence-malformed'
  | 'origin-certificate-mismatch'
  | 'origin-certificate-untrusted'
  | 'origin-certificate-revoked'
  | 'origin-certificate-expired'
  | 'origin-certificate-not-yet-valid'
  | 'origin-signature-invalid'
  | 'origin-digest-mismatch';

/** Evidence of origin that does not prove what it should. */
export class OriginError extends RecordError {
  declare readonly code: OriginErrorCode;

  constructor(code: OriginErrorCode, message: string) {
    super(code, message);
  }
}

/** An operator certificate whose role cannot be read, or a role that cannot be certified. */
export class RoleError extends RecordError {
  declare readonly code: 'operator-role-invalid' | 'operator-certificate-invalid';

  constructor(code: 'operator-role-invalid' | 'operator-certificate-invalid', message: string) {
    super(code, message);
  }
}

/** A bundle that cannot be built from what was given (verification reports, it does not throw). */
export class BundleError extends RecordError {
  declare readonly code: 'bundle-input-invalid';

  constructor(message: string) {
    super('bundle-input-invalid', message);
  }
}
