/**
 * Money is integer micro-dollars everywhere (1 USD = 1,000,000): stored as bigint, computed
 * as safe integers, carried over GraphQL as the `Micros` scalar (a string of digits), and
 * turned into dollars only here, on digits, never through floats.
 */

export const MICROS_PER_DOLLAR = 1_000_000;

/** The highest price of one unit-hour, $100,000: enough for any real price, low enough to catch a price typed in the wrong unit. */
export const MAX_PRICE_MICROS = 100_000 * MICROS_PER_DOLLAR;

/** A cluster's price catalog: micro-dollars per CPU core hour, per GiB of memory hour, per GPU hour of each type. */
export interface PriceCatalog {
  cpuCoreHourMicros: number;
  memoryGibHourMicros: number;
  gpu: readonly { gpuType: string; hourMicros: number }[];
}

/** What a job asks for, as its cost counts it. */
export interface ChargedResources {
  /** CPU cores (fractions allowed). */
  cpu: number;
  memoryMiB: number;
  gpuCount: number;
  gpuType: string | null;
}

/**
 * What a job costs, in integer micro-dollars: runtime × requested resources × the cluster's
 * price catalog. Requested (not used) resources are what a cluster reserves, so they are what
 * is charged, as clouds do. A GPU type the catalog does not list is charged at the catalog's
 * highest GPU price, so an unpriced type never runs for free by accident. The same rule gives
 * the estimate a submitter sees and the budget reserves (the longest the job may run).
 */
export function jobCostMicros(runtimeSeconds: number, resources: ChargedResources, prices: PriceCatalog): number {
  if (!(runtimeSeconds > 0)) return 0;
  const hours = runtimeSeconds / 3600;
  let gpuHour = 0;
  if (resources.gpuCount > 0) {
    const listed = resources.gpuType ? prices.gpu.find((g) => g.gpuType === resources.gpuType) : undefined;
    gpuHour = listed?.hourMicros ?? Math.max(0, ...prices.gpu.map((g) => g.hourMicros));
  }
  const perHour = resources.cpu * prices.cpuCoreHourMicros + (resources.memoryMiB / 1024) * prices.memoryGibHourMicros + resources.gpuCount * gpuHour;
  return Math.round(hours * perHour);
}

/**
 * The most a job can cost: every attempt running its full max runtime. What a budget reserves
 * when the job is submitted and what the submit form shows as the estimate.
 */
export function worstCaseJobMicros(maxRuntimeSeconds: number, attempts: number, resources: ChargedResources, prices: PriceCatalog): number {
  return jobCostMicros(maxRuntimeSeconds * Math.max(1, attempts), resources, prices);
}

/** An amount as it arrives: the integer itself, or the `Micros` scalar's string of digits. */
export type MicrosValue = number | string;

/** The `Micros` scalar's text: decimal digits, `-` first when negative, no leading zeros, no `+`, spaces, decimals or exponent. */
const MICROS_TEXT = /^-?(?:0|[1-9]\d*)$/;

/**
 * A `Micros` value from outside (a GraphQL variable or literal), strictly: only a string of
 * digits within the safe integer range is an amount, so a float, a number that lost its
 * precision in JSON, or a dollar amount typed by mistake is refused instead of guessed at.
 */
export function parseMicros(value: unknown): { micros: number } | { error: string } {
  if (typeof value !== 'string') return { error: 'Micros are whole micro-dollars written as a string of digits, e.g. "2500000" for $2.50' };
  if (!MICROS_TEXT.test(value) || value === '-0') return { error: `"${value.slice(0, 40)}" is not a whole number of micro-dollars written as digits, e.g. "2500000" for $2.50` };
  const micros = Number(value);
  if (!Number.isSafeInteger(micros)) return { error: `${value.slice(0, 40)} micro-dollars is out of range` };
  return { micros };
}

/** The `Micros` scalar's text for an amount; anything but a safe integer is a bug upstream, not something to round. */
export function microsToText(micros: number | bigint): string {
  if (typeof micros === 'bigint') {
    if (micros > BigInt(Number.MAX_SAFE_INTEGER) || micros < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`${micros} micro-dollars is out of range`);
    return micros.toString();
  }
  if (!Number.isSafeInteger(micros)) throw new RangeError(`${micros} is not a whole number of micro-dollars`);
  return String(micros);
}

/** An amount as a number, from either form it arrives in. */
export function toMicros(value: MicrosValue): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number of micro-dollars`);
    return value;
  }
  const parsed = parseMicros(value);
  if ('error' in parsed) throw new RangeError(parsed.error);
  return parsed.micros;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `micros` rounded half-up to `decimals` places of a dollar, as "12,345.67". */
function dollarsFixed(micros: number, decimals: 2 | 4): string {
  const unit = 10 ** (6 - decimals);
  const scaled = Math.round(Math.abs(micros) / unit);
  const whole = Math.floor(scaled / 10 ** decimals);
  const frac = String(scaled % 10 ** decimals).padStart(decimals, '0');
  return `${groupThousands(String(whole))}.${frac}`;
}

/**
 * An amount of money for people: `$1,234.57`, or four decimals under a cent (`$0.0042`)
 * so a short job does not read as free, and `<$0.0001` below that. An amount not known
 * yet (a job still running) is `missing`: a dash, as each surface writes one.
 */
export function formatMicros(value: MicrosValue | null | undefined, missing = '—'): string {
  if (value == null) return missing;
  const micros = toMicros(value);
  const sign = micros < 0 ? '-' : '';
  if (micros !== 0 && Math.abs(micros) < 50) return `${sign}<$0.0001`;
  const small = micros !== 0 && Math.abs(micros) < 10_000;
  return `${sign}$${dollarsFixed(micros, small ? 4 : 2)}`;
}

/** A price exactly as stored: at least two decimals, up to six (`$0.048`, `$2.50`, `$0.000125`). */
export function formatPriceMicros(value: MicrosValue): string {
  return `$${microsToDollars(value, { minDecimals: 2, group: true })}`;
}

/** An amount as a plain decimal dollar string, exact: `2500000` → `"2.5"`. */
export function microsToDollars(value: MicrosValue, opts: { minDecimals?: number; group?: boolean } = {}): string {
  const micros = toMicros(value);
  const n = Math.abs(micros);
  const whole = Math.floor(n / MICROS_PER_DOLLAR);
  let frac = String(n % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0+$/, '');
  const min = opts.minDecimals ?? 0;
  if (frac.length < min) frac = frac.padEnd(min, '0');
  const w = opts.group ? groupThousands(String(whole)) : String(whole);
  return `${micros < 0 ? '-' : ''}${w}${frac ? `.${frac}` : ''}`;
}

/** What an amount typed in dollars may be, and how a refusal reads, for one kind of amount. */
export interface DollarAmountRule {
  /** What the refusals call these amounts, plural ("prices"). */
  plural: string;
  empty: string;
  negative: string;
  example: string;
  max: number;
  tooMuch: string;
  /** Set when zero is refused, with the words. */
  zero?: string;
}

export const PRICE_AMOUNT: DollarAmountRule = {
  plural: 'prices',
  empty: 'Enter a price',
  negative: 'Prices cannot be negative',
  example: '2.50',
  max: MAX_PRICE_MICROS,
  tooMuch: `At most $${microsToDollars(MAX_PRICE_MICROS, { group: true })} per hour`,
};

/**
 * An amount typed as dollars, as integer micro-dollars, or a message saying why not. Accepts
 * "2.5", "$2.50", "1,200", ".75"; refuses more than six decimals (a micro-dollar is the smallest
 * unit), negative amounts and anything above the rule's maximum (by default a price's,
 * {@link MAX_PRICE_MICROS}).
 */
export function parseDollars(text: string, rule: DollarAmountRule = PRICE_AMOUNT): { micros: number } | { error: string } {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '').trim();
  if (!t) return { error: rule.empty };
  if (t.startsWith('-')) return { error: rule.negative };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return { error: `Enter an amount in dollars, e.g. ${rule.example}` };
  const frac = m[2] ?? '';
  if (frac.length > 6) return { error: `At most 6 decimals (${rule.plural} are whole micro-dollars)` };
  const whole = m[1] === '' ? 0 : Number(m[1]);
  const micros = whole * MICROS_PER_DOLLAR + Number(frac.padEnd(6, '0'));
  if (!Number.isSafeInteger(micros) || micros > rule.max) return { error: rule.tooMuch };
  if (micros === 0 && rule.zero) return { error: rule.zero };
  return { micros };
}
