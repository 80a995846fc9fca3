import { Injectable } from '@nestjs/common';
import { type FieldViolation, type Message, MessageContent, MessageRepository, PhoneNumber, ValidationError } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';
import type { CreateMessageCommand } from './create-message.command.js';

/** Queues a new message as pending after checking both fields, reporting every bad field at once. */
@Injectable()
export class CreateMessage {
  constructor(
    private readonly messages: MessageRepository,
    private readonly settings: DispatchSettings,
  ) {}

  async execute(command: CreateMessageCommand): Promise<Message> {
    const violations: FieldViolation[] = [];
    const phoneProblem = PhoneNumber.problem(command.phoneNumber);
    if (phoneProblem) violations.push({ field: 'phoneNumber', messages: [phoneProblem] });
    const contentProblem = MessageContent.problem(command.content, this.settings.maxContentLength);
    if (contentProblem) violations.push({ field: 'content', messages: [contentProblem] });
    if (violations.length > 0) throw new ValidationError(violations);
    return this.messages.create({ phoneNumber: command.phoneNumber, content: command.content });
  }
}
