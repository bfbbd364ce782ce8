// Telephone numbers as two records of one call may spell them differently (+1 555…, 555…,
// sip:5551234@host): one normal form, and the comparison the CDR join and leg correlation share.

/** Digits of a number (keeping letters for SIP user names), for comparing numbers across records. */
export function normalizeNumber(s: string): string {
  const user = s.replace(/^(?:sips?|tel):/i, '').split('@')[0];
  const digits = user.replace(/\D/g, '');
  return digits.length >= 6 ? digits : user.toLowerCase();
}

const DIGITS = /^\d{6,}$/;

/** Same party, for two numbers already through normalizeNumber: equal, or for long numbers the same last 9 digits. */
export function sameNormalized(x: string, y: string): boolean {
  if (x === '' || y === '') return false;
  if (x === y) return true;
  if (DIGITS.test(x) && DIGITS.test(y)) {
    const n = Math.min(9, x.length, y.length);
    return x.slice(-n) === y.slice(-n);
  }
  return false;
}

/** Same party: equal, or for long numbers the same last 9 digits (+1 555… vs 555…). */
export function sameNumber(a: string, b: string): boolean {
  return sameNormalized(normalizeNumber(a), normalizeNumber(b));
}
