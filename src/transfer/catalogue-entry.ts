import type { ProductSettings, VariantInput } from '../domain/entities.js';
import type { RowProblem } from '../storage/import-journal.js';

export type { RowProblem };

/** A variant as an input describes it: its fields in the API's names, and the src of its image. */
export interface EntryVariant extends Omit<VariantInput, 'image_id' | 'image_position' | 'position'> {
  /** The src of one of the product's images (an input's "Variant Image"). */
  image_src?: string;
  line: number;
}

export interface EntryImage {
  src: string;
  alt: string;
  line: number;
}

/**
 * One product of an input (a CSV's rows of one handle, a JSON line, a product of a mirrored store),
 * in the API's own field names, with the line each part came from so a refusal names it. `problems`
 * are what the layout already found wrong (a bad Image Position): such an entry is not applied.
 */
export interface CatalogueEntry {
  /** Its place in the input, from 0: a resumed run knows what it settled by it. */
  seq: number;
  handle: string;
  /** Every line the product came from, its first line first. */
  lines: number[];
  product: Partial<ProductSettings> & {
    title?: string;
    description?: string;
    vendor?: string;
    tags?: string;
    published?: boolean;
  };
  /** Undefined: the input says nothing of options (kept as they are on update). */
  options?: Array<{ name: string; values: string[] }>;
  images: EntryImage[];
  /** Undefined: the input lists no variants. */
  variants?: EntryVariant[];
  problems: RowProblem[];
}
