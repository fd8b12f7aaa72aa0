/** The product's true/false fields, stored as 0/1 integers so both databases keep them alike. */
export const PRODUCT_FLAGS = ['published', 'requires_shipping', 'taxable', 'inventory_tracking', 'display_fake_sales'] as const;
export type ProductFlag = (typeof PRODUCT_FLAGS)[number];
