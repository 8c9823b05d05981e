/** Every workflow the worker runs (the bundle entry point). */
export { planWorkflow } from './plan';
export { channelPushWorkflow } from './push';
export { skuWorkflow } from './sku';
export { orderSaga } from './order';
export { pollWorkflow } from './poll';
export { reconcileWorkflow, reconcileBatchWorkflow, nightlyWorkflow } from './reconcile';

export { returnSaga } from './return';
export { transferSaga } from './transfer';
