import type { TObject } from '@sinclair/typebox';
import type { Operation, OperationRequest } from '../contract/operation.js';
import type { Grant } from '../domain/entities.js';

/** An operation with the use case that carries it out: what the router and the fast read path run. */
export interface Binding<P extends TObject = any, Input = any, Result = any> {
  operation: Operation<P, any, Input, Result>;
  run(request: OperationRequest<P, Input>, grant: Grant): Promise<Result>;
  /**
   * For operations declared `fastRead`: the result as held in memory right now, without I/O, or
   * undefined. The fast read path answers only when this returns the very object whose answer the
   * router sent before.
   */
  peek?(request: OperationRequest<P, Input>, grant: Grant): Result | undefined;
}

export function bind<P extends TObject, Input, Result>(
  operation: Operation<P, any, Input, Result>,
  use: Omit<Binding<P, Input, Result>, 'operation'>,
): Binding<P, Input, Result> {
  if (operation.fastRead && !use.peek) throw new Error(`operation ${operation.id} is declared fastRead but is bound without peek`);
  return { operation, ...use };
}
