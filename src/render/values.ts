import { formatMoney, formatMoneyGrouped } from '../util/money.js';
import type { ColumnType } from './model.js';

/** A value as CSV text: raw numbers, ISO dates, money as rubles with two decimals, empty for null. */
export function csvValue(value: unknown, type: ColumnType = 'text'): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'money':
      return formatMoney(toNumber(value));
    case 'ratio':
      return Number.isFinite(toNumber(value)) ? String(round(toNumber(value), 4)) : '';
    case 'bool':
      return truthy(value) ? 'true' : 'false';
    default:
      return typeof value === 'number' && !Number.isFinite(value) ? '' : String(value);
  }
}

/** A value for JSON: numbers stay numbers, money becomes rubles, booleans become booleans. */
export function jsonValue(value: unknown, type: ColumnType = 'text'): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'money':
      return toNumber(value) / 100;
    case 'ratio': {
      const n = toNumber(value);
      return Number.isFinite(n) ? round(n, 4) : null;
    }
    case 'int':
    case 'number': {
      const n = toNumber(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'bool':
      return truthy(value);
    default:
      return typeof value === 'bigint' ? Number(value) : value;
  }
}

/** A value for a terminal table: grouped money, percentages, yes/no. Null is returned as null. */
export function displayValue(value: unknown, type: ColumnType = 'text'): string | null {
  if (value === null || value === undefined || value === '') return null;
  switch (type) {
    case 'money':
      return formatMoneyGrouped(toNumber(value));
    case 'ratio': {
      const n = toNumber(value);
      return Number.isFinite(n) ? `${round(n * 100, 1).toFixed(1)}%` : null;
    }
    case 'number': {
      const n = toNumber(value);
      return Number.isFinite(n) ? String(round(n, 2)) : null;
    }
    case 'bool':
      return truthy(value) ? 'yes' : 'no';
    default:
      return String(value);
  }
}

export function isNumericType(type: ColumnType | undefined): boolean {
  return type === 'int' || type === 'number' || type === 'money' || type === 'ratio';
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 1n;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
