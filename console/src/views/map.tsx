// The organisation's devices on a plain SVG map: positions from each device's latitude and longitude, a
// graticule and a scale bar, no tiles (so it works without internet). Colour = state; click to select.
import { useMemo, useState } from 'preact/hooks';
import { deviceStates, type DeviceState } from '../../../common/device-states';
import type { PlatformClient } from '../api';
import { Problem, StateBadge } from '../components';
import { loadAllDeviceStates, type DeviceWithState } from '../devices';
import { lights, stateColours, stateLabels, when } from '../format';
import { go, useLoad } from '../hooks';

const width = 1000;
const height = 620;
const margin = 48;
const metresPerDegree = 111_320;

interface Located extends DeviceWithState {
  latitude: number;
  longitude: number;
}

/** 1, 2 or 5 times a power of ten: the nice step nearest above `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const factor = rough / power;
  return (factor <= 1 ? 1 : factor <= 2 ? 2 : factor <= 5 ? 5 : 10) * power;
}

function decimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step)));
}

/** An equirectangular projection centred on the devices, scaled to fit the drawing. */
function projectionFor(devices: Located[]) {
  const lats = devices.map((d) => d.latitude);
  const lons = devices.map((d) => d.longitude);
  let [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  // A single device (or a straight line of them) still gets an area around it of about a kilometre.
  const minSpan = 0.01;
  if (maxLat - minLat < minSpan) [minLat, maxLat] = [(minLat + maxLat) / 2 - minSpan / 2, (minLat + maxLat) / 2 + minSpan / 2];
  if (maxLon - minLon < minSpan) [minLon, maxLon] = [(minLon + maxLon) / 2 - minSpan / 2, (minLon + maxLon) / 2 + minSpan / 2];
  const cosLat = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const scale = Math.min((width - 2 * margin) / ((maxLon - minLon) * cosLat), (height - 2 * margin) / (maxLat - minLat));
  const centreX = (minLon + maxLon) / 2;
  const centreY = (minLat + maxLat) / 2;
  const x = (lon: number) => width / 2 + (lon - centreX) * cosLat * scale;
  const y = (lat: number) => height / 2 - (lat - centreY) * scale;
  const lonAt = (px: number) => centreX + (px - width / 2) / (cosLat * scale);
  const latAt = (py: number) => centreY - (py - height / 2) / scale;
  return { x, y, lonAt, latAt, metresPerPixel: metresPerDegree / scale };
}

function Graticule({ projection }: { projection: ReturnType<typeof projectionFor> }) {
  const { x, y, lonAt, latAt } = projection;
  const [west, east, north, south] = [lonAt(0), lonAt(width), latAt(0), latAt(height)];
  const lonStep = niceStep((east - west) / 6);
  const latStep = niceStep((north - south) / 5);
  const lines = [];
  for (let lon = Math.ceil(west / lonStep) * lonStep; lon <= east; lon += lonStep) {
    lines.push(
      <g key={`lon${lon}`}>
        <line x1={x(lon)} x2={x(lon)} y1={0} y2={height} class="grid" />
        <text x={x(lon) + 3} y={height - 6} class="grid-label">
          {lon.toFixed(decimals(lonStep))}°
        </text>
      </g>,
    );
  }
  for (let lat = Math.ceil(south / latStep) * latStep; lat <= north; lat += latStep) {
    lines.push(
      <g key={`lat${lat}`}>
        <line x1={0} x2={width} y1={y(lat)} y2={y(lat)} class="grid" />
        <text x={4} y={y(lat) - 3} class="grid-label">
          {lat.toFixed(decimals(latStep))}°
        </text>
      </g>,
    );
  }
  return <g>{lines}</g>;
}

/** 1, 2 or 5 times a power of ten: the nice length nearest below `rough`. */
function niceLengthBelow(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const factor = rough / power;
  return (factor >= 5 ? 5 : factor >= 2 ? 2 : 1) * power;
}

function ScaleBar({ metresPerPixel }: { metresPerPixel: number }) {
  const metres = niceLengthBelow((width / 4) * metresPerPixel);
  const pixels = metres / metresPerPixel;
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  return (
    <g transform={`translate(${width - pixels - 24}, ${height - 24})`} class="scale-bar">
      <rect x={-6} y={-18} width={pixels + 12} height={26} class="scale-bg" />
      <line x1={0} x2={pixels} y1={0} y2={0} />
      <line x1={0} x2={0} y1={-5} y2={5} />
      <line x1={pixels} x2={pixels} y1={-5} y2={5} />
      <text x={pixels / 2} y={-6} text-anchor="middle">
        {label}
      </text>
    </g>
  );
}

export function MapView({ client, selection, setSelection }: { client: PlatformClient; selection: Set<string>; setSelection: (s: Set<string>) => void }) {
  // A large fleet is read a page of 1,000 at a time: refresh it less often, so the map costs little.
  const [refreshMs, setRefreshMs] = useState(10_000);
  const loaded = useLoad(
    async () => {
      const all = await loadAllDeviceStates(client);
      setRefreshMs(all.devices.length > 5_000 ? 60_000 : 10_000);
      return all;
    },
    [client],
    refreshMs,
  );
  const [search, setSearch] = useState('');
  const [focused, setFocused] = useState<string | null>(null);
  const devices = loaded.data?.devices ?? [];
  const located = useMemo(() => devices.filter((d): d is Located => d.latitude !== null && d.longitude !== null), [devices]);
  const projection = useMemo(() => (located.length ? projectionFor(located) : null), [located]);
  const counts = useMemo(() => {
    const byState = Object.fromEntries(deviceStates.map((s) => [s, 0])) as Record<DeviceState, number>;
    for (const d of devices) byState[d.state]++;
    return byState;
  }, [devices]);
  const term = search.trim().toLowerCase();
  const matches = term ? located.filter((d) => d.deviceIdentification.toLowerCase().includes(term) || (d.alias ?? '').toLowerCase().includes(term)) : [];
  const exact = located.find((d) => d.deviceIdentification.toLowerCase() === term);
  const shown = located.find((d) => d.deviceIdentification === focused) ?? exact ?? (matches.length === 1 ? matches[0] : undefined);
  const matching = new Set(matches.map((d) => d.deviceIdentification));
  const radius = located.length > 2000 ? 2.5 : located.length > 300 ? 4 : 6;

  const toggle = (id: string) => {
    const next = new Set(selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelection(next);
    setFocused(id);
  };

  return (
    <div class="map-page">
      <div class="toolbar">
        <input
          type="search"
          placeholder="Find a device on the map (identification or alias)"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          aria-label="Find a device on the map"
          data-testid="map-search"
        />
        <span class="muted">
          {term ? `${matches.length} match${matches.length === 1 ? '' : 'es'}; ` : ''}
          {devices.length} devices, {devices.length - located.length} without a location
          {loaded.data?.truncated ? ' (only the first 50,000 are shown)' : ''}
        </span>
        <button type="button" disabled={matches.length === 0} onClick={() => setSelection(new Set([...selection, ...matches.map((d) => d.deviceIdentification)]))}>
          Select matches
        </button>
        <button type="button" disabled={selection.size === 0} onClick={() => setSelection(new Set())}>
          Clear selection
        </button>
        <button type="button" class="primary" disabled={selection.size === 0} onClick={() => go('switch')}>
          Switch {selection.size} selected
        </button>
      </div>
      <Problem text={loaded.error} />
      <div class="map-layout">
        <div class="map-frame">
          {projection ? (
            <svg viewBox={`0 0 ${width} ${height}`} class="map" role="img" aria-label="Map of the devices" data-testid="device-map">
              <rect x={0} y={0} width={width} height={height} class="map-bg" />
              <Graticule projection={projection} />
              {located.map((d) => {
                const classes = ['device', selection.has(d.deviceIdentification) ? 'selected' : '', matching.has(d.deviceIdentification) ? 'match' : '', shown?.deviceIdentification === d.deviceIdentification ? 'found' : '']
                  .filter(Boolean)
                  .join(' ');
                return (
                  <circle
                    key={d.deviceIdentification}
                    cx={projection.x(d.longitude)}
                    cy={projection.y(d.latitude)}
                    r={shown?.deviceIdentification === d.deviceIdentification ? radius * 1.8 : radius}
                    fill={stateColours[d.state]}
                    class={classes}
                    data-device={d.deviceIdentification}
                    data-state={d.state}
                    onClick={() => toggle(d.deviceIdentification)}
                  >
                    <title>{`${d.deviceIdentification}${d.alias ? ` (${d.alias})` : ''}: ${stateLabels[d.state]}`}</title>
                  </circle>
                );
              })}
              <ScaleBar metresPerPixel={projection.metresPerPixel} />
            </svg>
          ) : (
            <p class="muted empty">{loaded.loading ? 'Loading devices…' : 'No device has a location yet (set latitude and longitude with core.updateDevice).'}</p>
          )}
        </div>
        <aside class="map-side">
          <h3>States</h3>
          <ul class="legend">
            {deviceStates.map((state) => (
              <li key={state}>
                <StateBadge state={state} /> <span class="count" data-testid={`count-${state}`}>{counts[state]}</span>
              </li>
            ))}
          </ul>
          {shown ? (
            <div class="found-device" data-testid="found-device">
              <h3>{shown.deviceIdentification}</h3>
              {shown.alias ? <p>{shown.alias}</p> : null}
              <p>
                <StateBadge state={shown.state} />
              </p>
              <dl>
                <dt>Lights</dt>
                <dd>{lights(shown.lightValues)}</dd>
                <dt>Since</dt>
                <dd>{when(shown.stateSince)}</dd>
                {shown.errorCode ? (
                  <>
                    <dt>Error</dt>
                    <dd>{shown.errorCode}</dd>
                  </>
                ) : null}
                <dt>Location</dt>
                <dd>
                  {shown.latitude.toFixed(5)}, {shown.longitude.toFixed(5)}
                </dd>
              </dl>
              <p>
                <a href={`#/devices/${encodeURIComponent(shown.deviceIdentification)}`}>Open device</a>
              </p>
            </div>
          ) : (
            <p class="muted">Click a device to select it for switching; search to find one.</p>
          )}
          {selection.size > 0 ? <p data-testid="selection-count">{selection.size} selected</p> : null}
        </aside>
      </div>
    </div>
  );
}
