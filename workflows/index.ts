// Every workflow the core worker runs. Workflow code is deterministic: no I/O, clocks or randomness here.
export { setLightWorkflow } from './public-lighting/set-light';
export { getStatusWorkflow } from './public-lighting/get-status';
export { progressQuery } from './common/device-request';
