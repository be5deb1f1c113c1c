// Declarations that name Symbol.asyncDispose need these types; kept in the
// emitted .d.ts so a consumer whose lib lacks them still type-checks.
/// <reference lib="esnext.disposable" preserve="true" />

/** The part of the `Symbol` constructor the disposer key is read from. */
export interface SymbolSource {
  readonly asyncDispose?: symbol;
  for(key: string): symbol;
}

/**
 * `Symbol.asyncDispose` where the runtime has it (Node 20, current
 * browsers); otherwise the registered `Symbol.for('Symbol.asyncDispose')`,
 * which is the key down-levelled `await using` looks for there (esbuild's
 * helper does), so that a browser without the symbol still loads the SDK
 * and does not key disposers under `undefined`.
 */
export function pickAsyncDispose(source: SymbolSource): typeof Symbol.asyncDispose {
  return (source.asyncDispose ?? source.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;
}

/**
 * The key `await using` calls a resource's disposer under; typed as
 * `Symbol.asyncDispose` (a unique symbol needs the annotation), so classes
 * keyed by it are `AsyncDisposable` in their declarations.
 */
export const asyncDispose: typeof Symbol.asyncDispose = pickAsyncDispose(Symbol as SymbolSource);
