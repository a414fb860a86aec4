"use server";
// Server actions of the webhooks pages: endpoints (create, rotate, disable/enable, delete, routes)
// for admins, a test event and redelivery for operators. Logic and audit: lib/console/webhooks.ts.
import { z } from "zod";
import { staffAction } from "@/lib/console/safe-action";
import {
  createEndpointFor,
  deliveryIdSchema,
  disableInputSchema,
  endpointIdSchema,
  endpointInputSchema,
  redeliverDelivery,
  removeEndpoint,
  rotateEndpointSecret,
  routesInputSchema,
  saveRoutes,
  setEndpointDisabled,
  testEndpoint,
} from "@/lib/console/webhooks";

const create = staffAction({
  action: "webhook.manage",
  schema: endpointInputSchema,
  run: ({ input, actor }) => createEndpointFor({ input, actor }),
});
export async function createEndpointAction(input: z.input<typeof endpointInputSchema>) {
  return create(input);
}

const rotate = staffAction({
  action: "webhook.manage",
  schema: endpointIdSchema,
  run: ({ input, actor }) => rotateEndpointSecret({ id: input.id, actor }),
});
export async function rotateSecretAction(input: z.input<typeof endpointIdSchema>) {
  return rotate(input);
}

const disable = staffAction({
  action: "webhook.manage",
  schema: disableInputSchema,
  run: ({ input, actor }) => setEndpointDisabled({ id: input.id, disabled: true, reason: input.reason, actor }),
});
export async function disableEndpointAction(input: z.input<typeof disableInputSchema>) {
  return disable(input);
}

const enable = staffAction({
  action: "webhook.manage",
  schema: endpointIdSchema,
  run: ({ input, actor }) => setEndpointDisabled({ id: input.id, disabled: false, actor }),
});
export async function enableEndpointAction(input: z.input<typeof endpointIdSchema>) {
  return enable(input);
}

const remove = staffAction({
  action: "webhook.manage",
  schema: endpointIdSchema,
  run: ({ input, actor }) => removeEndpoint({ id: input.id, actor }),
});
export async function deleteEndpointAction(input: z.input<typeof endpointIdSchema>) {
  return remove(input);
}

const routes = staffAction({
  action: "webhook.manage",
  schema: routesInputSchema,
  run: ({ input, actor }) => saveRoutes({ id: input.id, routes: input.routes, actor }),
});
export async function saveRoutesAction(input: z.input<typeof routesInputSchema>) {
  return routes(input);
}

const test = staffAction({
  action: "webhook.test",
  schema: endpointIdSchema,
  run: ({ input, actor }) => testEndpoint({ id: input.id, actor }),
});
export async function sendTestAction(input: z.input<typeof endpointIdSchema>) {
  return test(input);
}

const again = staffAction({
  action: "webhook.redeliver",
  schema: deliveryIdSchema,
  run: ({ input, actor }) => redeliverDelivery({ deliveryId: input.deliveryId, actor }),
});
export async function redeliverAction(input: z.input<typeof deliveryIdSchema>) {
  return again(input);
}
