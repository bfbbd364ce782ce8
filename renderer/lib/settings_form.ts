// The settings form: strings as typed ↔ DiagnosisSettings. Validation happens here, before
// Save, so a typo in a CIDR is shown beside the field instead of coming back as an API error
// (the back end validates again: the UI is not the only client).

import { invalidCidrs } from '../../shared/diagnosis/cidr.ts';
import type { DiagnosisSettings } from '../../shared/model/verdict.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';

export type NumericSettingKey = 'successDurationS' | 'rtpTimeoutS' | 'deadAfterS' | 'mediaGraceS' | 'llmTimeoutS' | 'alertThresholdPct';

export interface NumericField {
  key: NumericSettingKey;
  label: string;
  unit: string;
  help: string;
  min: number;
  max: number;
  step: number;
}

/** The thresholds of diagnosis.md, in the order the decision tree meets them. */
export const NUMERIC_FIELDS: readonly NumericField[] = [
  { key: 'successDurationS', label: 'Successful call duration', unit: 's', min: 0, max: 86_400, step: 1, help: 'A caller BYE after at least this answered time is a normal clearing (bucket 1); sooner, an early hang-up (bucket 2).' },
  { key: 'rtpTimeoutS', label: 'RTP timeout', unit: 's', min: 0.1, max: 3600, step: 0.1, help: 'Silence of a direction before the BYE that counts as an RTP timeout (bucket 4).' },
  { key: 'deadAfterS', label: 'Dead after', unit: 's', min: 0.1, max: 3600, step: 0.1, help: 'Signalling and media stopped without BYE for this long while the capture went on: far end dead (bucket 7).' },
  { key: 'mediaGraceS', label: 'Media grace', unit: 's', min: 0, max: 3600, step: 0.1, help: 'One-way audio and no-media verdicts need the call answered at least this long: media needs time to start.' },
  { key: 'llmTimeoutS', label: 'LLM timeout', unit: 's', min: 0.1, max: 3600, step: 0.1, help: 'Agent event log: a time-to-first-token above this before the end is an LLM timeout (bucket 6).' },
  { key: 'alertThresholdPct', label: 'Alert threshold', unit: '%', min: 0, max: 100, step: 0.1, help: 'An hour is an alert window when buckets 4–7 exceed this share of its calls.' },
];

export type SettingsForm = Record<NumericSettingKey, string> & { ownAddresses: string };

export function toForm(s: DiagnosisSettings): SettingsForm {
  return {
    successDurationS: String(s.successDurationS),
    rtpTimeoutS: String(s.rtpTimeoutS),
    deadAfterS: String(s.deadAfterS),
    mediaGraceS: String(s.mediaGraceS),
    llmTimeoutS: String(s.llmTimeoutS),
    alertThresholdPct: String(s.alertThresholdPct),
    ownAddresses: s.ownAddresses.join('\n'),
  };
}

export const DEFAULT_FORM: SettingsForm = toForm(DEFAULT_SETTINGS);

/** One address range per line, or separated by commas / spaces; blank lines ignored. */
export function splitCidrs(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

export type SettingsErrors = Partial<Record<NumericSettingKey | 'ownAddresses', string>>;

export function validateForm(form: SettingsForm): { settings: DiagnosisSettings | null; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const values: Partial<Record<NumericSettingKey, number>> = {};
  for (const f of NUMERIC_FIELDS) {
    const raw = form[f.key].trim();
    const v = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) errors[f.key] = 'Enter a number.';
    else if (v < f.min || v > f.max) errors[f.key] = `Between ${f.min} and ${f.max} ${f.unit}.`;
    else values[f.key] = v;
  }
  const cidrs = splitCidrs(form.ownAddresses);
  const bad = invalidCidrs(cidrs);
  if (bad.length) errors.ownAddresses = `Not an address or CIDR range: ${bad.join(', ')} (e.g. 192.0.2.0/24, 2001:db8::/32).`;
  if (Object.keys(errors).length) return { settings: null, errors };
  return {
    settings: {
      successDurationS: values.successDurationS!,
      rtpTimeoutS: values.rtpTimeoutS!,
      deadAfterS: values.deadAfterS!,
      mediaGraceS: values.mediaGraceS!,
      llmTimeoutS: values.llmTimeoutS!,
      alertThresholdPct: values.alertThresholdPct!,
      ownAddresses: cidrs,
    },
    errors,
  };
}

export function formsEqual(a: SettingsForm, b: SettingsForm): boolean {
  const num = (s: string): string => (s.trim() === '' ? '' : String(Number(s)));
  return NUMERIC_FIELDS.every((f) => num(a[f.key]) === num(b[f.key])) && splitCidrs(a.ownAddresses).join(',') === splitCidrs(b.ownAddresses).join(',');
}
