// The console's shell: log in with an API key (kept in sessionStorage for this tab only), then the screens,
// routed on the URL's hash so that /console/ is the only page the platform serves.
import type { ComponentChildren } from 'preact';
import { useEffect, useErrorBoundary, useMemo, useState } from 'preact/hooks';
import { call, connect, loadConsoleConfig, problemText, storeApiKey, storedApiKey, type ConsoleConfig } from './api';
import { Problem } from './components';
import { useHashRoute } from './hooks';
import { DevicesView, DeviceView } from './views/devices';
import { MapView } from './views/map';
import { RequestDetailView, RequestsView } from './views/requests';
import { SchedulesView } from './views/schedules';
import { SwitchView } from './views/switch';

function Login({ onLogin }: { onLogin: (apiKey: string) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      // Any authenticated call tells whether the key is good.
      await call(connect(apiKey.trim()).core.findDevices({ query: { limit: 1 } }), 200);
      onLogin(apiKey.trim());
    } catch (error) {
      setProblem(problemText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <h1>Operator console</h1>
        <p class="muted">Open Smart Grid Platform. Log in with your organisation's API key; it stays in this browser tab only.</p>
        <label>
          API key
          <input type="password" autoComplete="off" value={apiKey} onInput={(e) => setApiKey((e.target as HTMLInputElement).value)} data-testid="api-key" required />
        </label>
        <Problem text={problem} />
        <button type="submit" class="primary" disabled={busy || apiKey.trim() === ''} data-testid="login">
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

/** A screen that fails to draw says so instead of leaving a half-drawn page; the other screens still work. */
function Guard({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (error) {
    return (
      <div class="stack">
        <Problem text="This screen could not be shown (an error in the console). Try another screen or reload the page." />
        <p>
          <button type="button" onClick={reset}>
            Try again
          </button>
        </p>
      </div>
    );
  }
  return <>{children}</>;
}

const screens = [
  ['map', 'Map'],
  ['devices', 'Devices'],
  ['switch', 'Switch'],
  ['requests', 'Requests'],
  ['schedules', 'Schedules'],
] as const;

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(storedApiKey);
  const [config, setConfig] = useState<ConsoleConfig>({ temporalUiUrl: null, temporalNamespace: 'default' });
  const [selection, setSelection] = useState<Set<string>>(new Set());
  const route = useHashRoute();
  const client = useMemo(() => (apiKey ? connect(apiKey) : null), [apiKey]);
  useEffect(() => {
    void loadConsoleConfig().then(setConfig);
  }, []);

  if (!client) {
    return (
      <Login
        onLogin={(key) => {
          storeApiKey(key);
          setApiKey(key);
        }}
      />
    );
  }
  const [screen = 'map', id] = route;
  const logout = () => {
    storeApiKey(null);
    setApiKey(null);
    setSelection(new Set());
  };
  return (
    <div class="shell">
      <nav class="top">
        <span class="brand">OSGP console</span>
        {screens.map(([name, label]) => (
          <a key={name} href={`#/${name}`} class={screen === name ? 'active' : ''} data-testid={`nav-${name}`}>
            {label}
          </a>
        ))}
        <span class="spacer" />
        {config.temporalUiUrl ? (
          <a href={config.temporalUiUrl} target="_blank" rel="noreferrer">
            Temporal Web UI
          </a>
        ) : null}
        <button type="button" onClick={logout} data-testid="logout">
          Log out
        </button>
      </nav>
      <main class="content">
        <Guard key={route.join('/')}>
        {screen === 'map' ? <MapView client={client} selection={selection} setSelection={setSelection} /> : null}
        {screen === 'devices' && !id ? <DevicesView client={client} /> : null}
        {screen === 'devices' && id ? <DeviceView client={client} deviceIdentification={id} /> : null}
        {screen === 'switch' ? <SwitchView client={client} selection={selection} /> : null}
        {screen === 'requests' && !id ? <RequestsView client={client} /> : null}
        {screen === 'requests' && id ? <RequestDetailView client={client} config={config} correlationUid={id} /> : null}
        {screen === 'schedules' ? <SchedulesView client={client} /> : null}
        {!screens.some(([name]) => name === screen) ? <Problem text={`No screen "${screen}".`} /> : null}
        </Guard>
      </main>
    </div>
  );
}
