import type { ComponentChildren } from 'preact';
import type { DeviceState } from '../../common/device-states';
import { stateColours, stateLabels, percent } from './format';

export function Problem({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p class="problem" role="alert">
      {text}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function StateBadge({ state }: { state: DeviceState }) {
  return (
    <span class={`badge state-${state}`}>
      <svg width="10" height="10" aria-hidden="true">
        <circle cx="5" cy="5" r="5" fill={stateColours[state]} />
      </svg>
      {stateLabels[state]}
    </span>
  );
}

export function RequestStateBadge({ state }: { state: string }) {
  return <span class={`badge request-${state}`}>{state.replace('_', ' ')}</span>;
}

export function ProgressBar({ done, total, ok, failed }: { done: number; total: number; ok: number; failed: number }) {
  const value = percent(done, total);
  return (
    <div class="progress-wrap">
      <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} data-testid="progress">
        <svg viewBox="0 0 100 10" preserveAspectRatio="none" class="progress-svg" aria-hidden="true">
          <rect x="0" y="0" width={total > 0 ? (ok / total) * 100 : 0} height="10" class="progress-ok" />
          <rect x={total > 0 ? (ok / total) * 100 : 0} y="0" width={total > 0 ? (failed / total) * 100 : 0} height="10" class="progress-failed" />
        </svg>
      </div>
      <span class="progress-text" data-testid="progress-text">
        {value} % — {done} of {total} devices ({ok} OK, {failed} failed)
      </span>
    </div>
  );
}
