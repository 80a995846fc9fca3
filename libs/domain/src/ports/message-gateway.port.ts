import type { GatewayResult } from '../delivery.js';

export interface OutboundSms {
  to: string;
  content: string;
  /** Our message id; lets a gateway that deduplicates recognise a repeated request. */
  idempotencyKey: string;
}

/** The SMS gateway. Never throws for a gateway failure: every answer becomes a GatewayResult. */
export abstract class MessageGateway {
  abstract send(sms: OutboundSms): Promise<GatewayResult>;
}
