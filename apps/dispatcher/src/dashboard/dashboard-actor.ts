import type { Actor } from '@app/domain';
import type { DashboardSession } from './session/dashboard-sessions.js';

/**
 * Who did it, as the operator log and a message's history name a dashboard session:
 * `session:<its label>` (the key's fingerprint and a random part, never the key), source `dashboard`.
 */
export function dashboardActor(session: Pick<DashboardSession, 'label'>): Actor {
  return { source: 'dashboard', id: `session:${session.label}` };
}
