// Next.js bundles server code per entry (routes, instrumentation, ...), so one process can hold two
// copies of a module's classes, and an error thrown by code from one bundle fails a plain
// `instanceof` in another. A process-wide brand (Symbol.for) on the instance, checked by the class's
// Symbol.hasInstance, makes `instanceof` mean "is this kind of error".
export const hasBrand = (value: unknown, brand: symbol): boolean =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
