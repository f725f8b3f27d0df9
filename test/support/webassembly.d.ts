/**
 * Node 20's types leave WebAssembly out (it is in the DOM and Workers libraries, which clash with
 * Node's here). Tests run worker code that instantiates a compiled module: this much is declared.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
