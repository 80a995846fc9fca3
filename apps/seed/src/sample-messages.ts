import type { CreateMessageCommand } from '@app/application';

const TEXTS = [
  'Your verification code is {n}.',
  'Siparişiniz yola çıktı 🚚 (#{n})',
  'Reminder: your appointment is tomorrow at 10:00.',
  'Günaydın! Kampanyamız bugün başlıyor 🎉',
  'Payment of 120.00 TRY received, thank you. Ref {n}',
];

/** `count` valid sample messages: Turkish mobile numbers and texts with non-ASCII characters. */
export function sampleMessages(count: number, offset = 0): CreateMessageCommand[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i + 1;
    return {
      phoneNumber: `+90555${String(1_000_000 + ((n * 7_919) % 9_000_000)).padStart(7, '0')}`,
      content: TEXTS[i % TEXTS.length].replace('{n}', String(n).padStart(6, '0')),
    };
  });
}
