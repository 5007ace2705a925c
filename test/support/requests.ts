// Tests wait on requests the way an integrator does: with the SDK's own helper.
export { waitForRequest, isFinished as finished } from '../../api/client';
