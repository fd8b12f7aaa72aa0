import type { Clock } from './ports.js';

/** UTC at second precision, the platform's timestamp format: 2024-04-08T07:13:28Z. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19) + 'Z';
}

export const systemClock: Clock = () => formatTimestamp(new Date());
