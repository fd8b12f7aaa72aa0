import { type Static, Type } from '@sinclair/typebox';
import type { Shop } from '../../domain/entities.js';
import { onlyFields, parseFieldsParameter } from '../field-filter.js';
import { defineOperation } from '../operation.js';
import { lastValue } from '../query-value.js';

const text = (example: string, description?: string) => Type.String({ examples: [example], ...(description ? { description } : {}) });

/** The platform's shop object, every field in its order. Only name, email, currency and timezone are set by the merchant (`prodimg shops create`); the rest is made from them, the store's domain, or left empty. */
const ShopJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: text('Store 123'),
  email: text('owner@example.com', "the store's contact address; '' when not set"),
  domain: text('store123.myshoplaza.localhost', '<subdomain>.<PRODIMG_BASE_DOMAIN>'),
  address1: text(''),
  address2: text(''),
  zip: text(''),
  city: text(''),
  phone: text(''),
  primary_locale: text('en-US'),
  created_at: text('2024-04-08T07:00:00Z'),
  updated_at: text('2024-04-08T07:00:00Z'),
  country_code: text(''),
  currency: text('USD', 'ISO 4217'),
  customer_email: text('owner@example.com', 'the address customers write to: the email'),
  timezone: text('+0800', 'UTC offset'),
  shop_owner: text('Store 123', "the store's name"),
  account: text('owner@example.com', 'the email'),
  province_code: text(''),
  icon: Type.Object({ alt: text(''), src: text(''), path: text('') }),
  root_url: text('https://store123.myshoplaza.localhost'),
  system_domain: text('store123.myshoplaza.localhost'),
});
type ShopJson = Static<typeof ShopJson>;
const SHOP_FIELDS = Object.keys(ShopJson.properties);

export const ShopQuery = Type.Object({
  fields: Type.Optional(Type.String({ description: 'comma-separated shop fields to answer, e.g. name,email,currency' })),
});

/** What the binding answers with: the token's store, the base domain stores are named under, the fields asked for. */
export interface ShopResult {
  shop: Shop;
  baseDomain: string;
  fields: readonly string[] | undefined;
}

export const getShop = defineOperation({
  id: 'getShop', method: 'GET', path: '/shop', scope: 'read_shop', tag: 'Shop', params: Type.Object({}), query: ShopQuery,
  summary: 'Get Shop',
  description: 'Retrieves the store the access token belongs to: its name, contact address, domain, currency and timezone. `fields=name,currency` answers only those fields.',
  read: ({ query }) => parseFieldsParameter(lastValue(query, 'fields'), SHOP_FIELDS),
  response: Type.Object({ shop: Type.Partial(ShopJson) }), errors: [],
  answer: ({ shop, baseDomain, fields }: ShopResult) => ({ shop: onlyFields(shopJson(shop, baseDomain), fields) }),
});

/** The platform's shop object (also the body of app/uninstalled webhooks). */
export function shopJson(shop: Shop, baseDomain: string): ShopJson {
  const domain = `${shop.subdomain}.${baseDomain}`;
  return {
    id: shop.id, name: shop.name, email: shop.email, domain,
    address1: '', address2: '', zip: '', city: '', phone: '', primary_locale: 'en-US',
    created_at: shop.created_at, updated_at: shop.updated_at,
    country_code: '', currency: shop.currency, customer_email: shop.email, timezone: shop.timezone,
    shop_owner: shop.name, account: shop.email, province_code: '', icon: { alt: '', src: '', path: '' },
    root_url: `https://${domain}`, system_domain: domain,
  };
}
