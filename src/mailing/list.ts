/**
 * The address list for a promotion mailing: one row per reachable contact. Pure: candidate
 * contacts in, the list and what was left out (and why) out.
 */
import { fold, normalizeEmail } from '../util/normalize.js';

export type Channel = 'email' | 'post';

export interface Candidate {
  readonly client_id: number;
  readonly client: string;
  readonly client_status: string;
  readonly client_type: string;
  readonly region: string | null;
  readonly city: string | null;
  readonly client_address: string | null;
  readonly contact_id: number | null;
  readonly full_name: string | null;
  readonly position: string | null;
  readonly email: string | null;
  readonly postal_address: string | null;
}

export interface MailingRow {
  readonly [key: string]: unknown;
  readonly client: string;
  readonly full_name: string;
  readonly position: string | null;
  readonly email: string | null;
  readonly address: string | null;
  readonly postcode: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly client_type: string;
}

export interface MailingList {
  readonly rows: MailingRow[];
  readonly lostClients: number;
  readonly contactsOfLostClients: number;
  readonly withoutAddress: number;
  readonly duplicates: number;
  readonly clientsWithoutReachableContact: number;
}

/** A postal address worth printing on an envelope: has a street-ish part and a number. */
function postalAddress(text: string | null): string | null {
  const t = text?.trim();
  return t && /\d/.test(t) && /\p{L}{3,}/u.test(t) ? t : null;
}

export function mailingList(candidates: readonly Candidate[], channel: Channel): MailingList {
  const rows: MailingRow[] = [];
  const seen = new Set<string>();
  const lost = new Set<number>();
  const reached = new Set<number>();
  const clients = new Set<number>();
  let contactsOfLostClients = 0;
  let withoutAddress = 0;
  let duplicates = 0;
  for (const c of candidates) {
    if (c.client_status === 'lost') {
      lost.add(c.client_id);
      if (c.contact_id !== null) contactsOfLostClients++;
      continue;
    }
    clients.add(c.client_id);
    if (c.contact_id === null || c.full_name === null) continue;
    let email: string | null = null;
    let address: string | null = null;
    if (channel === 'email') {
      const e = c.email ? normalizeEmail(c.email) : null;
      email = e?.ok ? e.value : null;
    } else address = postalAddress(c.postal_address) ?? postalAddress(c.client_address);
    if ((channel === 'email' && !email) || (channel === 'post' && !address)) {
      withoutAddress++;
      continue;
    }
    const key = channel === 'email' ? email! : `${fold(c.full_name)}|${fold(address!)}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    reached.add(c.client_id);
    rows.push({
      client: c.client,
      full_name: c.full_name,
      position: c.position,
      email,
      address,
      postcode: address ? (/\b(\d{6})\b/.exec(address)?.[1] ?? null) : null,
      city: c.city,
      region: c.region,
      client_type: c.client_type,
    });
  }
  return {
    rows,
    lostClients: lost.size,
    contactsOfLostClients,
    withoutAddress,
    duplicates,
    clientsWithoutReachableContact: [...clients].filter((id) => !reached.has(id)).length,
  };
}
