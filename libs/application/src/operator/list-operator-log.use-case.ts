import { Injectable } from '@nestjs/common';
import { OPERATOR_ACTIONS, type OperatorAction, OperatorLog, type OperatorLogEntry, type Page, ValidationError } from '@app/domain';

export interface ListOperatorLogQuery {
  /** 1 to 100. */
  limit: number;
  cursor?: string;
  /** Only entries of this action, or of these actions. */
  action?: OperatorAction | readonly OperatorAction[];
  /** Only entries written at or after this time. */
  since?: Date;
}

/** The operator log, newest first, a page at a time: every start, stop, replay and manual settlement, who did it and how many messages it changed. */
@Injectable()
export class ListOperatorLog {
  constructor(private readonly log: OperatorLog) {}

  async execute({ limit, cursor, action, since }: ListOperatorLogQuery): Promise<Page<OperatorLogEntry>> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw ValidationError.forField('limit', 'limit must be a whole number from 1 to 100');
    const actions: readonly OperatorAction[] = action === undefined ? [] : typeof action === 'string' ? [action] : action;
    const unknown = actions.filter((a) => !(OPERATOR_ACTIONS as readonly string[]).includes(a));
    if (unknown.length > 0) throw ValidationError.forField('action', `action must be one of ${OPERATOR_ACTIONS.join(', ')}`);
    return this.log.list({ limit, ...(cursor === undefined ? {} : { cursor }), actions, ...(since === undefined ? {} : { since }) });
  }
}
