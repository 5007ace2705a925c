// Switching the map's selection or a device group (publicLighting.setLight); the request's page then shows
// its live progress.
import { useState } from 'preact/hooks';
import { call, problemText, type PlatformClient } from '../api';
import { Problem, Section } from '../components';
import { go, useLoad } from '../hooks';

export function SwitchView({ client, selection }: { client: PlatformClient; selection: Set<string> }) {
  const groups = useLoad(() => call(client.core.findDeviceGroups({ query: { limit: 1000 } }), 200), [client]);
  const [target, setTarget] = useState<'selection' | 'group'>(selection.size > 0 ? 'selection' : 'group');
  const [group, setGroup] = useState('');
  const [on, setOn] = useState(true);
  const [dimValue, setDimValue] = useState(100);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const groupList = groups.data?.groups ?? [];
  const chosenGroup = group || groupList[0]?.groupIdentification || '';

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    if (target === 'selection' && selection.size > 1000) {
      setProblem('A selection of more than 1,000 devices cannot be switched in one request: use a device group.');
      return;
    }
    setBusy(true);
    try {
      const lightValues = [{ index: 0, on, ...(on ? { dimValue } : {}) }];
      const body = target === 'selection' ? { deviceIdentifications: [...selection], lightValues } : { groupIdentification: chosenGroup, lightValues };
      const accepted = await call(client.publicLighting.setLight({ body, headers: { 'idempotency-key': crypto.randomUUID() } }), 202);
      go('requests', accepted.correlationUid);
    } catch (error) {
      setProblem(problemText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Switch lights">
      <form class="form" onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>Devices</legend>
          <label>
            <input type="radio" name="target" checked={target === 'selection'} disabled={selection.size === 0} onChange={() => setTarget('selection')} />
            The selection on the map ({selection.size} device{selection.size === 1 ? '' : 's'})
          </label>
          <label>
            <input type="radio" name="target" checked={target === 'group'} onChange={() => setTarget('group')} data-testid="target-group" />
            A device group:{' '}
            <select value={chosenGroup} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)} disabled={target !== 'group'} data-testid="group-select">
              {groupList.map((g) => (
                <option key={g.groupIdentification} value={g.groupIdentification}>
                  {g.groupIdentification}
                  {g.description ? ` — ${g.description}` : ''}
                </option>
              ))}
            </select>
          </label>
          <Problem text={groups.error} />
          {groups.data && groupList.length === 0 ? <p class="muted">No device groups yet (core.createDeviceGroup).</p> : null}
        </fieldset>
        <fieldset>
          <legend>Lights</legend>
          <label>
            <input type="radio" name="on" checked={on} onChange={() => setOn(true)} data-testid="light-on" /> On
          </label>
          <label>
            <input type="radio" name="on" checked={!on} onChange={() => setOn(false)} data-testid="light-off" /> Off
          </label>
          <label>
            Dim value{' '}
            <input
              type="number"
              min={1}
              max={100}
              value={dimValue}
              disabled={!on}
              onInput={(e) => setDimValue(Number((e.target as HTMLInputElement).value))}
              data-testid="dim-value"
            />{' '}
            %
          </label>
        </fieldset>
        <Problem text={problem} />
        <button type="submit" class="primary" disabled={busy || (target === 'group' ? !chosenGroup : selection.size === 0)} data-testid="switch-submit">
          {busy ? 'Sending…' : 'Switch'}
        </button>
      </form>
    </Section>
  );
}
