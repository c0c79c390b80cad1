// The declarative configuration spec's environment substitution, applied to every string scalar
// after the YAML is parsed (mapping keys are never substituted, as the spec requires):
//
//   ${NAME}  ${env:NAME}   the variable's value; unset → '' (the spec's "empty value")
//   ${NAME:-fallback}      fallback when the variable is unset or empty
//   $$                     a literal `$` (so `$${NAME}` stays `${NAME}`)
//
// A substituted value is not substituted again, so a variable holding `${OTHER}` is inert.

const REFERENCE = /\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}\n]*))?\}|\$\{[^}\n]*\}?/g;

/** Thrown for a `${…}` that names no variable; the caller wraps it with the file's name. */
export class SubstitutionError extends Error {}

/** `text` with every reference replaced from `env`. */
export function substituteVariables(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    REFERENCE,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      if (name === undefined) {
        throw new SubstitutionError(
          `invalid substitution ${JSON.stringify(match.slice(0, 80))} (expected \${NAME} or \${NAME:-default})`,
        );
      }
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      return fallback ?? '';
    },
  );
}
