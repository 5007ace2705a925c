// Making a Temporal Schedule what the platform wants, whether or not it exists yet: safe to repeat, and safe
// when several processes do it at once (whoever loses the race to create it updates it instead).
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';

type ScheduleState = NonNullable<ScheduleOptions['state']>;

/**
 * Creates the schedule, or updates the existing one to `desired`. `stateOnUpdate` decides the state an existing
 * schedule keeps (for example an operator's pause); by default the desired one.
 */
export async function upsertTemporalSchedule(
  temporal: Client,
  desired: ScheduleOptions,
  stateOnUpdate: (previous: ScheduleDescription['state']) => ScheduleState = () => ({ paused: desired.state?.paused, note: desired.state?.note }),
): Promise<void> {
  const { scheduleId, memo: _memo, state: _state, ...rest } = desired;
  const update = () => temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...rest, state: stateOnUpdate(previous.state) }));
  try {
    await update();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    try {
      await temporal.schedule.create(desired);
    } catch (createError) {
      // Created in between (a concurrent repeat of this call): make it the desired one.
      if (!(createError instanceof ScheduleAlreadyRunning)) throw createError;
      await update();
    }
  }
}
