import { z } from 'zod';
import { MAX_PRICE_MICROS } from './money';

/**
 * A price per unit-hour (CPU core, GiB of memory, GPU) as the price catalog stores it. Kept apart from
 * money.ts, which browser pages import, so zod stays out of their bundles.
 */
export const priceMicrosSchema = z
  .number()
  .int('Prices are whole micro-dollars')
  .min(0, 'Prices cannot be negative')
  .max(MAX_PRICE_MICROS, 'Price is implausibly high (prices are micro-dollars per hour)');
