// Platform-side lighting schedules with each entry's next runs (publicLighting.getLightingSchedule).
import { call, type PlatformClient } from '../api';
import { Problem, Section } from '../components';
import { lights, when } from '../format';
import { useLoad } from '../hooks';

function days(daysOfWeek: readonly string[]): string {
  if (daysOfWeek.length === 7) return 'every day';
  return daysOfWeek.map((day) => day.slice(0, 1) + day.slice(1, 3).toLowerCase()).join(', ');
}

async function loadSchedules(client: PlatformClient) {
  const { schedules } = await call(client.publicLighting.findLightingSchedules({ query: { limit: 100 } }), 200);
  // The next runs come from Temporal: a schedule whose detail fails still shows, with the reason.
  return Promise.all(
    schedules.map(async (schedule) => {
      try {
        const detail = await call(client.publicLighting.getLightingSchedule({ params: { identification: schedule.identification } }), 200);
        return { schedule, nextRuns: detail.nextRuns, problem: null };
      } catch (error) {
        return { schedule, nextRuns: [], problem: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

export function SchedulesView({ client }: { client: PlatformClient }) {
  const loaded = useLoad(() => loadSchedules(client), [client], 60_000);
  return (
    <Section title="Lighting schedules">
      <Problem text={loaded.error} />
      {loaded.data?.length === 0 ? <p class="muted">No lighting schedules (publicLighting.createLightingSchedule).</p> : null}
      {(loaded.data ?? []).map(({ schedule, nextRuns, problem }) => (
        <article class="schedule" key={schedule.identification} data-testid={`schedule-${schedule.identification}`}>
          <h3>
            {schedule.identification} {schedule.paused ? <span class="badge request-CANCELLED">paused</span> : null}
          </h3>
          <p class="muted">
            {schedule.description ? `${schedule.description} · ` : ''}
            {schedule.groupIdentification ? `group ${schedule.groupIdentification}` : `${schedule.deviceIdentifications?.length ?? 0} devices`} · {schedule.timeZone}
            {schedule.exceptionDates.length ? ` · not on ${schedule.exceptionDates.join(', ')}` : ''}
          </p>
          <Problem text={problem} />
          <table class="list">
            <thead>
              <tr>
                <th>Entry</th>
                <th>Lights</th>
                <th>Next runs</th>
              </tr>
            </thead>
            <tbody>
              {schedule.entries.map((entry, index) => {
                const runs = nextRuns.find((n) => n.entryIndex === index)?.nextRunTimes ?? [];
                return (
                  <tr key={index}>
                    <td>
                      {entry.kind === 'calendar'
                        ? `${days(entry.daysOfWeek)} at ${entry.time}`
                        : `${days(entry.daysOfWeek)} at ${entry.event}${entry.offsetMinutes ? ` ${entry.offsetMinutes > 0 ? '+' : ''}${entry.offsetMinutes} min` : ''}`}
                    </td>
                    <td>{lights(entry.lightValues)}</td>
                    <td>
                      {runs.length ? (
                        <ul class="runs">
                          {runs.slice(0, 3).map((run) => (
                            <li key={run}>{when(run, schedule.timeZone)}</li>
                          ))}
                        </ul>
                      ) : (
                        <span class="muted">{schedule.paused ? 'paused' : 'none'}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </article>
      ))}
    </Section>
  );
}
