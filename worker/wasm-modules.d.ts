/** A `.wasm` module imported by the worker: workerd hands it over compiled (bundle.ts keeps the import). */
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}
