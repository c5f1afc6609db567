// The module the worker bundles: it must export every workflow function.
export * from './smoke';
export { itemWorkflow } from './item/workflow';
export * from './item/messages';
export { sprintWorkflow } from './sprint/workflow';
export * from './sprint/messages';
