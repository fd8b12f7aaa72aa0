import type { Operation } from '../contract/operation.js';
import type { Grant } from '../domain/entities.js';

/** An operation with the use case that carries it out: what the router and the fast read path run. */
export interface Binding<Input = any, Result = any> {
  operation: Operation<any, any, any, Input, Result>;
  run(input: Input, grant: Grant): Promise<Result>;
  /**
   * For operations declared `fastRead`: the result as held in memory right now, without I/O, or
   * undefined. The fast read path answers only when this returns the very object whose answer the
   * router sent before.
   */
  peek?(input: Input, grant: Grant): Result | undefined;
}

export function bind<Input, Result>(
  operation: Operation<any, any, any, Input, Result>,
  use: Omit<Binding<Input, Result>, 'operation'>,
): Binding<Input, Result> {
  if (operation.fastRead && !use.peek) throw new Error(`operation ${operation.id} is declared fastRead but is bound without peek`);
  return { operation, ...use };
}
