import { InvalidCursorError } from '@app/domain';

/**
 * The opaque cursor of a walk over the cached receipts: where Redis' SCAN goes on, and the ids
 * that one SCAN step returned beyond the page's limit ("carried": they open the next page, so a
 * page never exceeds its limit and no key SCAN returned is lost). Binary, base64url:
 *
 *   byte 0      format tag (1)
 *   bytes 1-8   SCAN cursor, unsigned 64-bit big-endian; 0 = the walk is over (only carried ids left)
 *   then        0 to MAX_CARRIED ids, 16 bytes each (a UUID's bytes)
 *
 * Anything else (another list's cursor, a truncated or re-encoded one, a carried id twice) is an
 * InvalidCursorError. 9 + 20 × 16 bytes fit the 512 characters a cursor may have.
 */
const TAG = 1;
const HEAD_BYTES = 9;
const ID_BYTES = 16;

/** The most ids a cursor carries over. A SCAN step rarely returns more than a few beyond the page. */
export const MAX_CARRIED = 20;

export interface ReceiptCursor {
  /** SCAN cursor to go on from; null once SCAN has returned every key. */
  scanCursor: string | null;
  /** Ids to return first, in order (lower-case UUIDs). */
  carried: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` is one of ours: a lower-case UUID (how the messages table's ids are written). */
export function isMessageId(id: string): boolean {
  return UUID.test(id);
}

/** The cursor of the next page, or null when nothing is left. `scanCursor` '0' or null: SCAN is done. */
export function encodeReceiptCursor(scanCursor: string | null, carried: readonly string[]): string | null {
  const done = scanCursor === null || scanCursor === '0';
  if (done && carried.length === 0) return null;
  if (carried.length > MAX_CARRIED) throw new RangeError(`at most ${MAX_CARRIED} ids can be carried, not ${carried.length}`);
  const bytes = Buffer.alloc(HEAD_BYTES + carried.length * ID_BYTES);
  bytes[0] = TAG;
  bytes.writeBigUInt64BE(done ? 0n : BigInt(scanCursor), 1);
  carried.forEach((id, i) => {
    if (!isMessageId(id)) throw new RangeError(`not a message id: ${id}`);
    Buffer.from(id.replaceAll('-', ''), 'hex').copy(bytes, HEAD_BYTES + i * ID_BYTES);
  });
  return bytes.toString('base64url');
}

/** What a cursor made by encodeReceiptCursor says; InvalidCursorError for anything else. */
export function decodeReceiptCursor(cursor: string): ReceiptCursor {
  const bytes = Buffer.from(cursor, 'base64url');
  // Buffer.from skips characters that are not base64url: only the canonical text is ours.
  if (bytes.toString('base64url') !== cursor) throw new InvalidCursorError();
  if (bytes.length < HEAD_BYTES || (bytes.length - HEAD_BYTES) % ID_BYTES !== 0 || bytes[0] !== TAG) throw new InvalidCursorError();
  const count = (bytes.length - HEAD_BYTES) / ID_BYTES;
  if (count > MAX_CARRIED) throw new InvalidCursorError();
  const scan = bytes.readBigUInt64BE(1);
  const carried: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const hex = bytes.subarray(HEAD_BYTES + i * ID_BYTES, HEAD_BYTES + (i + 1) * ID_BYTES).toString('hex');
    carried.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  if (new Set(carried).size !== carried.length) throw new InvalidCursorError();
  return { scanCursor: scan === 0n ? null : scan.toString(), carried };
}
