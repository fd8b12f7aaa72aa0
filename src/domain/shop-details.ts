import { validation } from './errors.js';

/** What a merchant sets about a store beyond its name; the shop endpoint answers them. */
export interface ShopDetails {
  /** The store's contact address; '' when not set. */
  email: string;
  /** ISO 4217 code, upper case: `USD`. */
  currency: string;
  /** A UTC offset written as the platform answers it: `+0800`, `-0530`. */
  timezone: string;
}

export const SHOP_DEFAULTS: ShopDetails = { email: '', currency: 'USD', timezone: '+0000' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/**
 * Checks and normalises what `prodimg shops create` was given (`usd` -> `USD`, `+08:00` -> `+0800`);
 * one message per bad value, all at once.
 */
export function readShopDetails(given: Partial<ShopDetails>): ShopDetails {
  const problems: string[] = [];
  const email = given.email?.trim() ?? SHOP_DEFAULTS.email;
  if (email !== '' && (email.length > 254 || !EMAIL.test(email))) problems.push(`Email must be an address such as owner@example.com; got "${email}"`);
  const currency = given.currency?.trim().toUpperCase() ?? SHOP_DEFAULTS.currency;
  if (!Intl.supportedValuesOf('currency').includes(currency)) problems.push(`Currency must be an ISO 4217 code such as USD or EUR; got "${given.currency}"`);
  const timezone = normaliseOffset(given.timezone?.trim() ?? SHOP_DEFAULTS.timezone);
  if (timezone === null) problems.push(`Timezone must be a UTC offset such as +0800 or -0530 (from -1200 to +1400); got "${given.timezone}"`);
  if (problems.length > 0) throw validation(problems);
  return { email, currency, timezone: timezone! };
}

function normaliseOffset(text: string): string | null {
  const match = OFFSET.exec(text);
  if (!match) return null;
  const [, sign, hours = '', minutes = ''] = match;
  const total = Number(hours) * 60 + Number(minutes);
  if (Number(minutes) >= 60 || (sign === '+' ? total > 14 * 60 : total > 12 * 60)) return null;
  return `${sign}${hours}${minutes}`;
}
