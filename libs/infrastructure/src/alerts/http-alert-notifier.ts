import { Logger } from '@nestjs/common';
import axios from 'axios';
import { type Alert, AlertNotifier } from '@app/domain';

/**
 * POSTs each alert as JSON to ALERT_WEBHOOK_URL (Slack-style incoming webhooks, Alertmanager
 * receivers, PagerDuty relays...). Without a URL the alert is only logged. Never throws.
 */
export class HttpAlertNotifier extends AlertNotifier {
  private readonly logger = new Logger('Alert');

  constructor(private readonly url: string | null) {
    super();
  }

  async notify(alert: Alert): Promise<void> {
    this.logger.error(`[${alert.kind}] ${alert.message}`);
    if (!this.url) return;
    try {
      await axios.post(this.url, { ...alert, at: alert.at.toISOString(), text: `[message-dispatcher] ${alert.message}` }, { timeout: 5_000 });
    } catch (error) {
      this.logger.warn(`alert not delivered to ALERT_WEBHOOK_URL: ${(error as Error).message}`);
    }
  }
}
