/** One parser for every integer option: `--name` must be an integer in [min, max]; the message says which. */
export function parseInteger(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER, why = ''): number {
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN; // Number('') would be 0
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
    throw new Error(`${name} must be an integer ${range}${why}, got ${value}`);
  }
  return n;
}

/** A commander argument parser for `name` with the given range. */
export function integerOption(name: string, min: number, max?: number, why?: string): (value: string) => number {
  return (value) => parseInteger(name, value, min, max, why);
}
