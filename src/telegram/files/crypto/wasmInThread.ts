/**
 * Imported first by the transfer crypto thread (cryptoThread.ts). Inside Piscina's threads only
 * tsx's require hooks are active on Node 20, so @mtcute/wasm is loaded as its CommonJS bundle,
 * which prints a two-line deprecation notice to stderr (it names the ESM build; the main thread
 * loads that one). The notice is about the package's future releases, not about Courier's pinned
 * one, and would land in every operator's log once per start; the bundle's own flag says it was
 * already shown. The code it loads is the same as the ESM build's.
 */
(globalThis as { _MTCUTE_CJS_DEPRECATION_WARNED?: boolean })._MTCUTE_CJS_DEPRECATION_WARNED = true;

export {};
