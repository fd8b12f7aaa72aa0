import type { Static } from '@sinclair/typebox';
import { expectTypeOf } from 'vitest';
import type { Client, Image, ListedProduct, Product, ProductPage, Variant } from '../../src/client/index.js';
import type {
  ImageCreateBody,
  ImageSchema,
  ImageUpdateBody,
  ProductCountQuery,
  ProductCreateBody,
  ProductListQuery,
  ProductSchema,
  ProductsEnvelope,
  ProductUpdateBody,
  VariantCreateBody,
  VariantSchema,
  VariantUpdateBody,
} from '../../src/contract/schemas.js';

/*
 * Checked by `npm run typecheck` (tsconfig.json includes test/), not run: the client's types are the
 * route schemas' types, so a field added to a schema is a field of the client, and a wrong call does
 * not compile.
 */

declare const client: Client;
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

expectTypeOf<Image>().toEqualTypeOf<Static<typeof ImageSchema>>();
expectTypeOf<Product>().toEqualTypeOf<Static<typeof ProductSchema>>();
expectTypeOf<Variant>().toEqualTypeOf<Static<typeof VariantSchema>>();
expectTypeOf<ProductPage>().toEqualTypeOf<Static<typeof ProductsEnvelope>>();

expectTypeOf<Answer<Client['images']['list']>>().toEqualTypeOf<Image[]>();
expectTypeOf<Answer<Client['images']['count']>>().toEqualTypeOf<number>();
expectTypeOf<Answer<Client['images']['get']>>().toEqualTypeOf<Image>();
expectTypeOf<Answer<Client['images']['delete']>>().toEqualTypeOf<void>();
expectTypeOf<Answer<Client['products']['list']>>().toEqualTypeOf<ProductPage>();
expectTypeOf<Answer<Client['products']['get']>>().toEqualTypeOf<Product>();
expectTypeOf<Answer<Client['variants']['update']>>().toEqualTypeOf<Variant>();
expectTypeOf(client.products.iterate()).toEqualTypeOf<AsyncGenerator<ListedProduct, void, undefined>>();

expectTypeOf(client.images.create).parameter(1).toEqualTypeOf<Static<typeof ImageCreateBody>['image']>();
expectTypeOf(client.images.update).parameter(2).toEqualTypeOf<Static<typeof ImageUpdateBody>['image']>();
expectTypeOf(client.products.create).parameter(0).toEqualTypeOf<Static<typeof ProductCreateBody>['product']>();
expectTypeOf(client.products.update).parameter(1).toEqualTypeOf<Static<typeof ProductUpdateBody>['product']>();
expectTypeOf(client.variants.create).parameter(1).toEqualTypeOf<Static<typeof VariantCreateBody>['variant']>();
expectTypeOf(client.variants.update).parameter(1).toEqualTypeOf<Static<typeof VariantUpdateBody>['variant']>();
expectTypeOf(client.products.list).parameter(0).toEqualTypeOf<Static<typeof ProductListQuery> | undefined>();
expectTypeOf(client.products.count).parameter(0).toEqualTypeOf<Static<typeof ProductCountQuery> | undefined>();

// Wrong calls do not compile (the lines are type-checked, never run).
export function wrongCalls(): void {
  // @ts-expect-error an image needs a src
  void client.images.create('p', { alt: 'x' });
  // @ts-expect-error no such field
  void client.images.update('p', 'i', { caption: 'x' });
  // @ts-expect-error per_page is a number
  void client.products.list({ per_page: '5' });
  // @ts-expect-error a variant is read by its own id alone
  void client.variants.get('p', 'v');
  // @ts-expect-error the answer is a number
  expectTypeOf<Answer<Client['products']['count']>>().toEqualTypeOf<string>();
}
