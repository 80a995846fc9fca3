import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';

/** Unset and empty variables both mean "use the default". */
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

function toInt({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

function toBoolean({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return value;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
/** auto: readable lines when stdout is a terminal, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const urlOptions = { require_tld: false, require_protocol: true } as const;

/**
 * Every environment variable the dispatcher reads, with its rules. Validated once at boot;
 * a bad value stops the start-up with every offending variable named.
 */
export class Environment {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  // With stopAtFirstError the decorator nearest the property is checked first.
  @Transform(blankToUndefined)
  @IsUrl({ ...urlOptions, protocols: ['postgres', 'postgresql'] }, { message: 'must be a postgres:// URL' })
  @IsNotEmpty({ message: 'is required (postgres://user:password@host:5432/database)' })
  DATABASE_URL!: string;

  @IsOptional() @Transform(blankToUndefined)
  @IsUrl({ ...urlOptions, protocols: ['redis', 'rediss'] }, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Transform(blankToUndefined)
  @IsUrl({ ...urlOptions, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  @IsNotEmpty({ message: 'is required: the SMS gateway webhook address' })
  WEBHOOK_URL!: string;

  @Transform(blankToUndefined) @IsString() @IsNotEmpty({ message: 'is required: the key sent as x-ins-auth-key to the gateway' })
  WEBHOOK_AUTH_KEY!: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(600_000)
  WEBHOOK_TIMEOUT_MS?: number;

  @Transform(blankToUndefined)
  @Matches(/^\s*[^,\s]{16,}\s*(,\s*[^,\s]{16,}\s*)*$/, { message: 'must be comma-separated keys of at least 16 characters each, without spaces inside a key' })
  @IsNotEmpty({ message: 'is required: comma-separated keys accepted in x-ins-auth-key' })
  API_KEYS!: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400_000)
  DISPATCH_INTERVAL_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  DISPATCH_BATCH_SIZE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  DISPATCH_CONCURRENCY?: number;

  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'must be true or false' })
  DISPATCH_AUTOSTART?: boolean;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400_000)
  RETRY_BASE_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400_000)
  RETRY_MAX_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  MAX_ATTEMPTS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  MESSAGE_MAX_LENGTH?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(31_536_000)
  CACHE_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  CLAIM_LEASE_MS?: number;

  @IsOptional() @Transform(blankToUndefined) @IsIn(['hold', 'resend'], { message: 'must be hold or resend' })
  IN_DOUBT_POLICY?: 'hold' | 'resend';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  BREAKER_FAILURES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400_000)
  BREAKER_COOLDOWN_MS?: number;

  @IsOptional() @Transform(blankToUndefined)
  @IsUrl({ ...urlOptions, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  ALERT_WEBHOOK_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  ALERT_AFTER_FAILED_TICKS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000)
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional() @Transform(blankToUndefined) @IsString() @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'must be letters, digits, . _ : or -' }) @MaxLength(100)
  INSTANCE_ID?: string;

  @IsOptional() @Transform(blankToUndefined) @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevelName;

  @IsOptional() @Transform(blankToUndefined) @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: LogFormat;

  /** The commit the build came from (the Dockerfile's GIT_COMMIT build argument); shown by /version. */
  @IsOptional() @Transform(blankToUndefined) @IsString() @Matches(/^[0-9a-zA-Z._-]{1,64}$/, { message: 'must be a commit id (letters, digits, . _ -)' })
  GIT_COMMIT?: string;
}
