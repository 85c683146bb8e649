/** A local user as the responsible resolution sees it. */
export interface LocalUserCandidate {
  id: number;
  bitrixUserId: number | null;
  email: string;
}

/**
 * The local user behind a Bitrix user (a ticket's responsible, an activity's author): the one whose stored
 * Bitrix user ID matches, else the one whose e-mail matches (case and blanks ignored), else none.
 * The one rule for every path that mirrors a responsible (POST /ticket, webhook, sync), so a re-read
 * never resolves a responsible differently from the API and takes their access away.
 */
export function pickLocalUser<T extends LocalUserCandidate>(candidates: readonly T[], bitrixUserId: number | null, email: string | null): T | null {
  if (bitrixUserId !== null) {
    const byId = candidates.filter((c) => c.bitrixUserId === bitrixUserId).sort((a, b) => a.id - b.id)[0];
    if (byId) return byId;
  }
  const wanted = normalizeEmail(email);
  if (!wanted) return null;
  return candidates.filter((c) => normalizeEmail(c.email) === wanted).sort((a, b) => a.id - b.id)[0] ?? null;
}

function normalizeEmail(email: string | null | undefined): string | null {
  const value = email?.trim().toLowerCase();
  return value ? value : null;
}
