import { type Static, Type } from '@sinclair/typebox';
import type { Shop } from '../../domain/entities.js';
import { fieldsQuery, onlyFields, readFieldsParameter } from '../field-filter.js';
import { defineOperation } from '../operation.js';

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

export const ShopQuery = Type.Object(fieldsQuery('name,email,currency'));

/** What the binding answers with: the token's store, the base domain stores are named under, the fields asked for. */
export interface ShopResult {
  shop: Shop;
  baseDomain: string;
  fields: readonly string[] | undefined;
}

/** What the two shop reads share: the query, the answer, and its shape in each version. */
const shopRead = {
  method: 'GET', scope: 'read_shop', tag: 'Shop', query: ShopQuery,
  read: ({ query }: { query: Readonly<Record<string, unknown>> }) => readFieldsParameter(query, SHOP_FIELDS),
  response: Type.Object({ shop: Type.Partial(ShopJson) }),
  // From 2025-06 `data` is the shop object itself: what apps written for the platform read.
  envelopeRoot: 'shop',
  answer: ({ shop, baseDomain, fields }: ShopResult) => ({ shop: onlyFields(shopJson(shop, baseDomain), fields) }),
} as const;

export const getShop = defineOperation({
  ...shopRead, id: 'getShop', path: '/shop', params: Type.Object({}), errors: [],
  summary: 'Get Shop',
  description: 'Retrieves the store the access token belongs to: its name, contact address, domain, currency and timezone. `fields=name,currency` (or `fields[]=name&fields[]=currency`) answers only those fields.',
});

export const getShopById = defineOperation({
  ...shopRead, id: 'getShopById', path: '/shop/:shop_id',
  // Not read as a UUID: any id but the token's store's, well-formed or not, is not found.
  params: Type.Object({ shop_id: Type.String({ description: "the store's id, as `GET /shop` answers it", examples: ['3fa2cd3e-5f3b-4b7a-9d41-0a1c2b3d4e5f'] }) }),
  errors: ['ShopNotFound'],
  summary: 'Get Shop by Id',
  description: "The same as `GET /shop` when `shop_id` is the token's own store; any other id is not found.",
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
