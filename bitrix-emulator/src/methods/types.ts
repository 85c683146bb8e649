import { Params } from '../params';
import { Portal } from '../portal';

/** What a REST method hands back: `result`, plus `total`/`next` for list methods. */
export interface MethodOutput {
  result: unknown;
  total?: number;
  next?: number;
}

export interface MethodContext {
  portal: Portal;
  /** The webhook's user: author of everything created through REST. */
  userId: number;
}

export type MethodHandler = (params: Params, ctx: MethodContext) => MethodOutput;

export type MethodTable = Record<string, MethodHandler>;
