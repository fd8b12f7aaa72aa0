import { type Static, Type } from '@sinclair/typebox';
import { SCOPES } from '../domain/scopes.js';
import { FaultSchema } from './faults.js';

const Id = Type.String({ description: 'a UUID; omitted: made from the random seed' });

const SeedToken = Type.Object(
  {
    token: Type.Optional(Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$', description: 'the value apps send as Access-Token; omitted: made from the random seed' })),
    scopes: Type.Optional(Type.Array(Type.Union(SCOPES.map((scope) => Type.Literal(scope))), { minItems: 1, description: 'omitted: every scope' })),
  },
  { additionalProperties: false },
);

const SeedShop = Type.Object(
  {
    id: Type.Optional(Id),
    subdomain: Type.String(),
    name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    currency: Type.Optional(Type.String()),
    timezone: Type.Optional(Type.String()),
    tokens: Type.Optional(Type.Array(SeedToken, { description: 'omitted: one token with every scope' })),
    // Each product is checked by the API's own product create reader (apply-seed.ts), with ids allowed.
    products: Type.Optional(Type.Array(Type.Object({}))),
  },
  { additionalProperties: false },
);

/** A stand-in's starting state: `prodimg serve --seed <file>` and `startProdimg({ seed })`. */
export const SeedSchema = Type.Object(
  {
    shops: Type.Optional(Type.Array(SeedShop)),
    faults: Type.Optional(Type.Array(FaultSchema)),
  },
  { additionalProperties: false },
);
export type Seed = Static<typeof SeedSchema>;
export type SeedShop = Static<typeof SeedShop>;
