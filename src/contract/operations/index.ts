import type { AnyOperation } from '../operation.js';
import { listAccessScopes } from './access-scopes.js';
import { countProductImages, createProductImage, deleteProductImage, getProductImage, listProductImages, updateProductImage } from './product-images.js';
import { getShop, getShopById } from './shop.js';
import { countProducts, createProduct, deleteProduct, getProduct, listProducts, updateProduct } from './products.js';
import { countWebhooks, createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook } from './webhooks.js';
import { countVariants, createVariant, deleteVariant, getVariant, listVariants, updateVariant } from './variants.js';

export * from './access-scopes.js';
export * from './product-images.js';
export * from './products.js';
export * from './shop.js';
export * from './variants.js';
export * from './webhooks.js';

/** Every operation of the API, in the order the reference lists them. */
export const OPERATIONS: readonly AnyOperation[] = [
  listProductImages,
  countProductImages,
  getProductImage,
  createProductImage,
  updateProductImage,
  deleteProductImage,
  listProducts,
  countProducts,
  getProduct,
  createProduct,
  updateProduct,
  deleteProduct,
  listVariants,
  countVariants,
  getVariant,
  createVariant,
  updateVariant,
  deleteVariant,
  getShop,
  getShopById,
  listAccessScopes,
  listWebhooks,
  countWebhooks,
  getWebhook,
  createWebhook,
  updateWebhook,
  deleteWebhook,
];
