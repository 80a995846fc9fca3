import { MAX_SETTLEMENT_REASON } from '@app/domain';
import type { SettleError, SettleFormValues } from '../settle-problems.js';
import { CsrfField } from './parts.js';

export interface SettleFormProps {
  id: string;
  csrfToken: string;
  /** Where the answer goes: back to the in-doubt inbox (that page of it), or the message's page. */
  back: 'in-doubt' | 'message';
  /** The inbox page the form is on (its cursor), to come back to it. */
  cursor?: string;
  /** This message's refused settlement, when the page is shown again for it. */
  error?: SettleError;
}

const EMPTY: SettleFormValues = { outcome: '', reason: '', gatewayMessageId: '' };

/**
 * Settle a message in doubt by hand: sent (with the gateway's messageId when known) or failed, and
 * why; a POST with the session's CSRF token, to POST /dashboard/messages/:id/settle (SettleMessage).
 * No outcome is chosen in advance: the operator says which.
 */
export function SettleForm({ id, csrfToken, back, cursor, error }: SettleFormProps) {
  const values = error?.values ?? EMPTY;
  const errorId = `settle-error-${id}`;
  return (
    <form class="settle" method="post" action={`/dashboard/messages/${id}/settle`} data-action="settle" data-id={id}>
      <CsrfField token={csrfToken} />
      <input type="hidden" name="back" value={back} />
      {cursor && <input type="hidden" name="cursor" value={cursor} />}
      <fieldset aria-describedby={error ? errorId : undefined}>
        <legend>Settle by hand</legend>
        <div class="choices">
          <span class="choice">
            <input type="radio" id={`outcome-sent-${id}`} name="outcome" value="sent" required checked={values.outcome === 'sent'} />
            <label for={`outcome-sent-${id}`}>Sent: the gateway has it</label>
          </span>
          <span class="choice">
            <input type="radio" id={`outcome-failed-${id}`} name="outcome" value="failed" checked={values.outcome === 'failed'} />
            <label for={`outcome-failed-${id}`}>Failed: the gateway does not have it</label>
          </span>
        </div>
        <div class="field">
          <label for={`reason-${id}`}>Reason (kept in the message’s history and the operator log)</label>
          <textarea id={`reason-${id}`} name="reason" rows={2} maxlength={MAX_SETTLEMENT_REASON} required value={values.reason} />
        </div>
        <div class="field">
          <label for={`gateway-id-${id}`}>Gateway messageId (optional, with “sent” only)</label>
          <input id={`gateway-id-${id}`} name="gatewayMessageId" type="text" value={values.gatewayMessageId} autocomplete="off" spellcheck={false} />
        </div>
        {error && (
          <div class="field-error" id={errorId} role="alert" data-slot="settle-error">
            {error.problems.map((p, i) => (
              <p key={i}>{p}</p>
            ))}
          </div>
        )}
        <button type="submit">Settle</button>
      </fieldset>
    </form>
  );
}
