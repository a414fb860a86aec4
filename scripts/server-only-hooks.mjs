// The resolve hook registered by server-only.mjs (module hooks run in their own thread, so they live
// in a file of their own).
export async function resolve(specifier, context, nextResolve) {
  if (specifier !== "server-only") return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "react-server"] });
}
