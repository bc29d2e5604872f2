/**
 * Output shapes of the day-2 commands, pure: kubectl's table layout (columns padded to the widest cell
 * plus three spaces), its AGE rendering (apimachinery's HumanDuration), and the condition and plan-id
 * pieces the tables show.
 */
import type { Condition } from '../crds/index.js';

/** A table as kubectl prints it: left-aligned columns three spaces apart, the last one not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return `${all.map(line).join('\n')}\n`;
}

/** Time since `since` as kubectl's AGE column shows it (`45s`, `3m20s`, `5h10m`, `3d4h`, `2y10d`); `<unknown>` without a time. */
export function age(since: string | undefined, nowMs: number): string {
  const at = since === undefined ? NaN : Date.parse(since);
  if (Number.isNaN(at)) return '<unknown>';
  const seconds = Math.floor((nowMs - at) / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** The condition of `type` in a status, if present. */
export function conditionOf(status: { conditions?: Condition[] } | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** The first 12 hex digits of a `sha256:` plan id, or `-` without one. */
export function shortId(id: string | undefined): string {
  if (id === undefined || id === '') return '-';
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** `text` cut to `max` characters, with `...` when cut; newlines become spaces. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 3))}...`;
}

/** A value for a cell: `-` when empty. */
export function cell(value: string | number | undefined): string {
  return value === undefined || value === '' ? '-' : String(value);
}
