// The diagnosis thresholds and our own addresses, with the documented defaults beside each
// field. Saving re-classifies every call from the facts in the index (no capture is re-read)
// and says how many calls that touched.
import { useEffect, useState } from 'react';
import { DEFAULT_SETTINGS } from '../../../shared/model/verdict.ts';
import { DEFAULT_FORM, formsEqual, NUMERIC_FIELDS, toForm, validateForm, type SettingsErrors, type SettingsForm } from '../../lib/settings_form.ts';
import { api } from '../../state/app_store.ts';
import { ErrorState, LoadingState } from '../../ui/States.tsx';

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; saved: SettingsForm };

export function SettingsView() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [form, setForm] = useState<SettingsForm>(DEFAULT_FORM);
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);

  const reload = async (): Promise<void> => {
    setLoad({ state: 'loading' });
    const r = await api().client.getSettings();
    if (!r.ok) return setLoad({ state: 'error', message: r.error.message });
    const f = toForm(r.value);
    setForm(f);
    setLoad({ state: 'ready', saved: f });
  };
  useEffect(() => void reload(), []);

  if (load.state === 'loading') return <LoadingState what="the settings" />;
  if (load.state === 'error') return <ErrorState title="The settings could not be read" message={load.message} onRetry={() => void reload()} />;

  const dirty = !formsEqual(form, load.saved);
  const edit = (patch: Partial<SettingsForm>): void => {
    const next = { ...form, ...patch };
    setForm(next);
    setResult(null);
    // Re-validate the fields already flagged, so an error disappears as soon as it is fixed.
    if (Object.keys(errors).length) setErrors(validateForm(next).errors);
  };

  const save = async (): Promise<void> => {
    const v = validateForm(form);
    setErrors(v.errors);
    if (!v.settings) return setResult({ tone: 'error', text: 'Fix the highlighted fields first.' });
    setSaving(true);
    setResult(null);
    const r = await api().client.setSettings(v.settings);
    setSaving(false);
    if (!r.ok) return setResult({ tone: 'error', text: r.error.message });
    const saved = toForm(v.settings);
    setForm(saved);
    setLoad({ state: 'ready', saved });
    setResult({ tone: 'ok', text: `Saved: re-classified ${r.value.reclassified} calls.` });
  };

  return (
    <form
      className="settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>Diagnosis settings</h2>
      <p className="muted">
        The thresholds of the decision tree (diagnosis.md). Saving re-classifies every call from the facts already in the index: no capture is read again.
      </p>
      <div className="settings-grid">
        {NUMERIC_FIELDS.map((f) => (
          <div key={f.key} className={`setting${errors[f.key] ? ' setting-invalid' : ''}`}>
            <label htmlFor={`set-${f.key}`}>{f.label}</label>
            <div className="setting-input">
              <input
                id={`set-${f.key}`}
                className="input input-num"
                inputMode="decimal"
                value={form[f.key]}
                aria-invalid={!!errors[f.key]}
                aria-describedby={`help-${f.key}`}
                data-testid={`setting-${f.key}`}
                onChange={(e) => edit({ [f.key]: e.target.value } as Partial<SettingsForm>)}
              />
              <span className="unit">{f.unit}</span>
              <span className="muted small">
                default {String(DEFAULT_SETTINGS[f.key])} {f.unit}
              </span>
            </div>
            <div id={`help-${f.key}`} className="setting-help muted small">
              {f.help}
            </div>
            {errors[f.key] && <div className="danger small">{errors[f.key]}</div>}
          </div>
        ))}
        <div className={`setting setting-wide${errors.ownAddresses ? ' setting-invalid' : ''}`}>
          <label htmlFor="set-own">Our own addresses</label>
          <textarea
            id="set-own"
            className="input mono"
            rows={4}
            placeholder={'192.0.2.0/24\n2001:db8::/32'}
            value={form.ownAddresses}
            aria-invalid={!!errors.ownAddresses}
            data-testid="setting-ownAddresses"
            spellCheck={false}
            onChange={(e) => edit({ ownAddresses: e.target.value })}
            onBlur={() => setErrors(validateForm(form).errors)}
          />
          <div className="setting-help muted small">
            CIDR ranges or single addresses, IPv4 or IPv6, one per line. When the caller is one of ours (outbound campaigns), the caller side is the agent. Default: none (the callee is the agent).
          </div>
          {errors.ownAddresses && <div className="danger small">{errors.ownAddresses}</div>}
        </div>
      </div>
      <div className="settings-actions">
        <button type="submit" className="btn btn-primary" disabled={saving} data-testid="settings-save">
          {saving ? 'Re-classifying…' : 'Save and re-classify'}
        </button>
        <button type="button" className="btn" disabled={saving || formsEqual(form, DEFAULT_FORM)} onClick={() => edit(DEFAULT_FORM)}>
          Reset to defaults
        </button>
        <button type="button" className="btn" disabled={saving || !dirty} onClick={() => edit(load.saved)}>
          Undo changes
        </button>
        {dirty && !result && <span className="muted small">Unsaved changes</span>}
        {result && (
          <span className={result.tone === 'ok' ? 'ok' : 'danger'} role={result.tone === 'ok' ? 'status' : 'alert'} data-testid="settings-result">
            {result.text}
          </span>
        )}
      </div>
    </form>
  );
}
