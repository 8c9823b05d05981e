/** Every workflow the worker runs (the bundle entry point). */
export { planWorkflow } from './plan';
export { channelPushWorkflow } from './push';
