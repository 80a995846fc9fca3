/** Sample data for tests. */

/** `count` distinct valid Turkish mobile numbers, +90555 then seven digits from `first` on. */
export function phones(count: number, first = 1_000_000): string[] {
  return Array.from({ length: count }, (_, i) => `+90555${String(first + i).padStart(7, '0')}`);
}
