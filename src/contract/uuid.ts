import { validation } from '../domain/errors.js';
import { isUuid } from '../domain/uuid.js';

/** Checks the ids in a path, reporting every bad one in path order, as the platform does. */
export function parsePathIds(params: { product_id?: string; image_id?: string }, withImage: boolean): { productId: string; imageId: string } {
  const problems: string[] = [];
  if (!isUuid(params.product_id)) problems.push('ProductId must be a valid UUID');
  if (withImage && !isUuid(params.image_id)) problems.push('ImageId must be a valid UUID');
  if (problems.length > 0) throw validation(problems);
  return { productId: params.product_id!.toLowerCase(), imageId: withImage ? params.image_id!.toLowerCase() : '' };
}
