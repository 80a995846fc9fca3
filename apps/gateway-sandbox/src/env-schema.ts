/**
 * Configuration as data. Each environment variable is declared once, with its name, how its
 * text is read and checked, its default and what it means; the list of names, the defaults, the
 * typed config object, the boot error naming every bad variable and the documentation table are
 * derived from those declarations. A consumer reads only the variables its schema names.
 *
 * No imports, on purpose: the sandbox gateway (apps/gateway-sandbox), which shares no code with
 * the dispatcher, keeps an identical copy of this file, and a unit test keeps the two identical.
 */

/** The process environment, or any map of variable names to their text. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's text refused, with the reason shown after its name. */
export class Invalid {
  constructor(readonly reason: string) {}
}

/** The configuration refused at boot: every bad variable, one problem each (`NAME: reason`). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface VariableOptions<T> {
  /** What the variable means (the documentation's "meaning" column). */
  doc: string;
  /** The value when the variable is unset or empty; a function when it depends on the environment. */
  default?: T | ((env: Env) => T);
  /** For a variable without a default: the reason given when it is unset or empty. */
  required?: string;
  /** How the documentation shows the default, when the default itself does not say it. */
  docDefault?: string;
}

/** What a variable reads to: its parsed type, or null when it is optional and has no default. */
type ValueOf<T, O> = O extends { required: string } ? T : O extends { default: unknown } ? T : T | null;

type Parse<T> = (raw: string, name: string) => T | Invalid;

/** One environment variable. Unset and empty both mean "use the default". */
export class Variable<T> {
  /** The type the variable reads to; for type inference only, never set. */
  declare readonly valueType: T;

  constructor(
    readonly name: string,
    private readonly parse: Parse<unknown>,
    readonly options: VariableOptions<unknown>,
  ) {}

  /** The same variable under `name` (defineVariables names each one after its key). */
  named(name: string): Variable<T> {
    return new Variable<T>(name, this.parse, this.options);
  }

  /** Its value in `env`, or why its text is refused. */
  read(env: Env): T | Invalid {
    const raw = env[this.name];
    if (raw === undefined || raw === '') {
      if (this.options.required !== undefined) return new Invalid(this.options.required);
      const fallback = this.options.default;
      return (typeof fallback === 'function' ? fallback(env) : (fallback ?? null)) as T;
    }
    return this.parse(raw, this.name) as T | Invalid;
  }

  /** The default when it is a fixed value (not computed from the environment), else undefined. */
  get fixedDefault(): string | number | boolean | undefined {
    const fallback = this.options.default;
    return typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean' ? fallback : undefined;
  }

  /** The default as the documentation shows it. */
  get documentedDefault(): string {
    if (this.options.docDefault !== undefined) return this.options.docDefault;
    if (this.fixedDefault !== undefined) return `\`${this.fixedDefault}\``;
    return this.options.required !== undefined ? '(required)' : 'unset';
  }
}

/** Names each variable after its key: `defineVariables({ PORT: integer({...}) }).PORT.name === 'PORT'`. */
export function defineVariables<const S extends Record<string, Variable<unknown>>>(variables: S): S {
  return Object.fromEntries(Object.entries(variables).map(([name, variable]) => [name, variable.named(name)])) as S;
}

/** A variable read by `parse`, which returns the value or an Invalid. */
export function variable<T, const O extends VariableOptions<T>>(parse: Parse<T>, options: O): Variable<ValueOf<T, O>> {
  return new Variable('', parse, options);
}

interface Range {
  min?: number;
  max?: number;
}

function inRange(value: number, name: string, { min = -Infinity, max = Infinity }: Range): number | Invalid {
  if (value < min) return new Invalid(`${name} must not be less than ${min}`);
  if (value > max) return new Invalid(`${name} must not be greater than ${max}`);
  return value;
}

/** A whole number (surrounding spaces allowed) within the range. */
export function integer<const O extends VariableOptions<number>>(options: O & Range): Variable<ValueOf<number, O>> {
  return variable(
    (raw, name) => (/^-?\d+$/.test(raw.trim()) ? inRange(Number(raw.trim()), name, options) : new Invalid(`${name} must be an integer number`)),
    options,
  );
}

/** A decimal number (surrounding spaces allowed) within the range. */
export function decimal<const O extends VariableOptions<number>>(options: O & Range): Variable<ValueOf<number, O>> {
  return variable((raw, name) => (/^-?\d+(\.\d+)?$/.test(raw.trim()) ? inRange(Number(raw.trim()), name, options) : new Invalid('must be a number')), options);
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** true, 1, yes, on or false, 0, no, off, in any case. */
export function boolean<const O extends VariableOptions<boolean>>(options: O): Variable<ValueOf<boolean, O>> {
  return variable((raw) => {
    const text = raw.trim().toLowerCase();
    return TRUE.includes(text) ? true : FALSE.includes(text) ? false : new Invalid('must be true or false');
  }, options);
}

/** One of `values`, exactly. */
export function oneOf<const V extends string, const O extends VariableOptions<V>>(
  values: readonly V[],
  options: O & { invalid?: string },
): Variable<ValueOf<V, O>> {
  const reason = options.invalid ?? `must be one of ${values.join(', ')}`;
  return variable((raw) => ((values as readonly string[]).includes(raw) ? (raw as V) : new Invalid(reason)), options);
}

/** Text taken as it is, optionally at most `maxLength` characters and matching `pattern` (refused with `invalid`). */
export function text<const O extends VariableOptions<string>>(
  options: O & { maxLength?: number; pattern?: RegExp; invalid?: string },
): Variable<ValueOf<string, O>> {
  return variable((raw, name) => {
    if (options.maxLength !== undefined && raw.length > options.maxLength)
      return new Invalid(`${name} must be shorter than or equal to ${options.maxLength} characters`);
    if (options.pattern && !options.pattern.test(raw)) return new Invalid(options.invalid ?? `must match ${options.pattern}`);
    return raw;
  }, options);
}

/** A config's structure: its fields, each a variable or a group of fields. */
export interface Shape {
  readonly [field: string]: Variable<unknown> | Shape;
}

/** The typed config object a shape reads to. */
export type ConfigOf<S extends Shape> = {
  -readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : S[K] extends Shape ? ConfigOf<S[K]> : never;
};

type ValuesOf<V extends readonly Variable<unknown>[]> = { [I in keyof V]: V[I] extends Variable<infer T> ? T : never };

/** A rule between variables, checked once each of them is valid on its own; its problem names `on`. */
export interface Relation {
  readonly on: Variable<unknown>;
  readonly uses: readonly Variable<unknown>[];
  readonly problem: (value: unknown, ...others: unknown[]) => string | null;
}

/** `relation(RETRY_MAX_MS, [RETRY_BASE_MS], (max, base) => (max < base ? 'must not be less than ...' : null))`. */
export function relation<T, const U extends readonly Variable<unknown>[]>(
  on: Variable<T>,
  uses: U,
  problem: (value: T, ...others: ValuesOf<U>) => string | null,
): Relation {
  return { on, uses, problem: problem as Relation['problem'] };
}

function variablesOf(shape: Shape): Variable<unknown>[] {
  return Object.values(shape).flatMap((field) => (field instanceof Variable ? [field] : variablesOf(field)));
}

function build(shape: Shape, values: Map<Variable<unknown>, unknown>): unknown {
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, field instanceof Variable ? values.get(field) : build(field, values)]));
}

/** What one consumer reads: the variables of its shape, and the relations between them. */
export class ConfigSchema<S extends Shape> {
  /** Every variable this schema reads, in the order of its shape. */
  readonly variables: readonly Variable<unknown>[];

  constructor(
    readonly shape: S,
    private readonly relations: readonly Relation[] = [],
  ) {
    this.variables = variablesOf(shape);
    for (const { on, uses } of relations) {
      const outside = [on, ...uses].filter((v) => !this.variables.includes(v));
      if (outside.length > 0) throw new Error(`a relation uses ${outside.map((v) => v.name).join(', ')}, which this schema does not read`);
    }
  }

  get names(): string[] {
    return this.variables.map((v) => v.name);
  }

  /** The typed config from `env`; throws ConfigError naming every missing or bad variable. */
  read(env: Env): ConfigOf<S> {
    const problems: string[] = [];
    const values = new Map<Variable<unknown>, unknown>();
    for (const v of this.variables) {
      const value = v.read(env);
      if (value instanceof Invalid) problems.push(`${v.name}: ${value.reason}`);
      else values.set(v, value);
    }
    for (const { on, uses, problem } of this.relations) {
      if (![on, ...uses].every((v) => values.has(v))) continue;
      const reason = problem(values.get(on), ...uses.map((v) => values.get(v)));
      if (reason !== null) problems.push(`${on.name}: ${reason}`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return build(this.shape, values) as ConfigOf<S>;
  }
}

/** A base class whose instances carry the schema's typed fields: `class AppConfig extends configClass(SCHEMA) {}`. */
export function configClass<S extends Shape>(_schema: ConfigSchema<S>): new () => ConfigOf<S> {
  return class {} as new () => ConfigOf<S>;
}

/** Each variable's fixed default, by name (variables without one are left out). */
export function defaultsOf(variables: readonly Variable<unknown>[]): Record<string, string | number | boolean> {
  return Object.fromEntries(variables.flatMap((v) => (v.fixedDefault === undefined ? [] : [[v.name, v.fixedDefault]])));
}

/** The documentation table: | variable | default | meaning |, one row per variable. */
export function markdownTable(variables: readonly Variable<unknown>[]): string {
  const rows = variables.map((v) => `| \`${v.name}\` | ${v.documentedDefault} | ${v.options.doc} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
