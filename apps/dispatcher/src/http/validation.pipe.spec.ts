import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { ListMessagesQueryDto } from './dto/list-query.dto.js';
import { createValidationPipe } from './validation.pipe.js';

const VALID = { phoneNumber: '+905551111111', content: 'hello' };

async function refusal(value: unknown, type: 'body' | 'query', metatype: new () => unknown): Promise<unknown> {
  const error = await createValidationPipe()
    .transform(value, { type, metatype })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(BadRequestException);
  return (error as BadRequestException).getResponse();
}

describe('createValidationPipe', () => {
  it('passes a valid body through as its DTO', async () => {
    await expect(createValidationPipe().transform({ ...VALID }, { type: 'body', metatype: CreateMessageDto })).resolves.toBeInstanceOf(CreateMessageDto);
  });

  it('refuses an unknown field by name', async () => {
    await expect(refusal({ ...VALID, colour: 'red' }, 'body', CreateMessageDto)).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'colour', messages: ['property colour should not exist'] }],
    });
  });

  it('refuses a priority that is not a whole number from -100 to 100 with one message, in a body and in a query', async () => {
    for (const priority of [101, -101, 2.5, '5', [1]]) {
      await expect(refusal({ ...VALID, priority }, 'body', CreateMessageDto)).resolves.toMatchObject({
        details: [{ field: 'priority', messages: ['priority must be a whole number from -100 to 100'] }],
      });
    }
    for (const priority of ['101', '1.5', 'high', ['1', '2']]) {
      await expect(refusal({ priority }, 'query', ListMessagesQueryDto)).resolves.toMatchObject({
        details: [{ field: 'priority', messages: ['priority must be a whole number from -100 to 100'] }],
      });
    }
    await expect(createValidationPipe().transform({ priority: '-100' }, { type: 'query', metatype: ListMessagesQueryDto })).resolves.toMatchObject({
      priority: -100,
    });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses a field named like a built-in of Object (%s), which class-transformer would drop unseen',
    async (key) => {
      const body = JSON.parse(`{"phoneNumber":"+905551111111","content":"hello","${key}":{"x":1}}`);

      await expect(refusal(body, 'body', CreateMessageDto)).resolves.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: key, messages: [`property ${key} should not exist`] }],
      });
    },
  );

  it('finds such fields at any depth and in queries', async () => {
    const body = JSON.parse('{"messages":[{"phoneNumber":"+905551111111","content":"a"},{"constructor":1}]}');

    await expect(refusal(body, 'body', CreateMessageDto)).resolves.toMatchObject({ details: [{ field: 'messages.1.constructor' }] });
    await expect(refusal({ limit: '5', __proto__x: 1, toString: 'x' }, 'query', ListMessagesQueryDto)).resolves.toMatchObject({
      details: [{ field: 'toString', messages: ['property toString should not exist'] }],
    });
  });
});
