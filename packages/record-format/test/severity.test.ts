import { describe, expect, it } from 'vitest';
import {
  parseSeverity,
  SeverityClass,
  severityClassName,
  severityClassOf,
  severityNumberName,
} from '../src/severity';

describe('severityClassOf', () => {
  it('should class severity numbers by the OTel ranges', () => {
    const classes = Array.from({ length: 24 }, (_, i) => severityClassName(severityClassOf(i + 1)));
    expect(classes).toEqual([
      ...Array(4).fill('trace'),
      ...Array(4).fill('debug'),
      ...Array(4).fill('info'),
      ...Array(4).fill('warn'),
      ...Array(4).fill('error'),
      ...Array(4).fill('fatal'),
    ]);
  });

  it('should class unspecified numbers from the text, else as INFO', () => {
    expect(severityClassOf(0, 'WARNING')).toBe(SeverityClass.WARN);
    expect(severityClassOf(undefined, 'fatal')).toBe(SeverityClass.FATAL);
    expect(severityClassOf(0, 'E')).toBe(SeverityClass.ERROR);
    expect(severityClassOf(0, 'whatever')).toBe(SeverityClass.INFO);
    expect(severityClassOf(undefined, undefined)).toBe(SeverityClass.INFO);
    expect(severityClassOf(99, 'debug')).toBe(SeverityClass.DEBUG);
  });
});

describe('parseSeverity', () => {
  it('should accept names and numbers', () => {
    expect(parseSeverity('warn')).toBe(13);
    expect(parseSeverity('ERROR')).toBe(17);
    expect(parseSeverity('10')).toBe(10);
    expect(parseSeverity('nope')).toBeUndefined();
    expect(parseSeverity('30')).toBeUndefined();
  });
});

describe('severityNumberName', () => {
  it('should name numbers as OTel short names', () => {
    expect(severityNumberName(9)).toBe('INFO');
    expect(severityNumberName(10)).toBe('INFO2');
    expect(severityNumberName(24)).toBe('FATAL4');
    expect(severityNumberName(0)).toBe('UNSPECIFIED');
  });
});
