// Turns TypeBox validation of provider config and secrets into a 400 naming the field.
import type { TSchema } from '@sinclair/typebox';
import type { AddressPolicy } from '../core/provider-url.js';
import { providerUrlProblem } from '../providers/provider-url.js';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { invalid } from '../core/errors.js';

// TypeBox checks only the string formats it is told about; content schemas use `uri` (provider
// endpoint URLs have their own, registered with ProviderUrl).
if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  });
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

/** Applies schema defaults, then validates; throws a 400 for the first problem found. */
export function validateAgainst<T>(schema: TSchema, value: unknown, prefix: string): T {
  const withDefaults = Value.Default(schema, structuredClone(value ?? {}));
  const check = checker(schema);
  if (check.Check(withDefaults)) return withDefaults as T;
  const first = check.Errors(withDefaults).First();
  const path = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '';
  const field = path ? `${prefix}.${path}` : prefix;
  throw invalid('invalid_request', `${field} ${first?.message ?? 'is invalid'}`.replace(/ Expected/, ': expected'), field);
}

/**
 * A provider config: its endpoint URLs first, so a refused one is answered with the reason (the
 * schema's format check alone could only say "does not match"), then the schema.
 */
export function validateProviderConfig<T>(schema: TSchema, value: unknown, prefix: string, policy: AddressPolicy): T {
  const problem = providerUrlProblem(schema, value, policy);
  if (problem) {
    const field = `${prefix}.${problem.field}`;
    const hint = problem.loopback ? ' (this hub runs with ALLOW_LOOPBACK_PROVIDER_URLS off)' : '';
    throw invalid('invalid_request', `${field} ${problem.reason}${hint}`, field);
  }
  return validateAgainst<T>(schema, value, prefix);
}
