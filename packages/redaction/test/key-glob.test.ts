import {
  compileKeyGlob,
  KeyMatcher,
  SECRET_KEY_EXCEPTIONS,
  SECRET_KEY_GLOBS,
} from '@spillway/redaction';
import { describe, expect, it } from 'vitest';

const test = (glob: string, key: string) => compileKeyGlob(glob)(key.toLowerCase());

describe('compileKeyGlob', () => {
  it('should match exact names case-insensitively', () => {
    expect(test('password', 'PassWord')).toBe(true);
    expect(test('Password', 'password')).toBe(true);
    expect(test('password', 'password2')).toBe(false);
    expect(test('password', 'passwor')).toBe(false);
  });

  it('should match * as any run, none included', () => {
    expect(test('*token*', 'token')).toBe(true);
    expect(test('*token*', 'x-csrf-token')).toBe(true);
    expect(test('*token*', 'refreshTokenValue')).toBe(true);
    expect(test('*token*', 'toke')).toBe(false);
    expect(test('api*', 'api_key')).toBe(true);
    expect(test('api*', 'x_api')).toBe(false);
    expect(test('*cookie', 'http.response.header.set-cookie')).toBe(true);
    expect(test('*cookie', 'cookie_consent')).toBe(false);
    expect(test('a*b*c', 'abc')).toBe(true);
    expect(test('a*b*c', 'a-b-b-c')).toBe(true);
    expect(test('a*b*c', 'acb')).toBe(false);
    expect(test('a*bc*bc', 'abc')).toBe(false);
    expect(test('a*bc*bc', 'abcbc')).toBe(true);
    expect(test('*', '')).toBe(true);
  });

  it('should match ? as exactly one character', () => {
    expect(test('p?d', 'pwd')).toBe(true);
    expect(test('p?d', 'pd')).toBe(false);
    expect(test('*s?n*', 'user.ssn')).toBe(true);
    expect(test('*s?n', 'user.ssnx')).toBe(false);
  });

  it('should treat . and - literally', () => {
    expect(test('http.*', 'http.method')).toBe(true);
    expect(test('http.*', 'httpxmethod')).toBe(false);
  });

  it('should match a hostile 1 MiB key in bounded time', () => {
    const key = 'a'.repeat(2 ** 20);
    const started = performance.now();
    expect(test('*a?b*a*c', key)).toBe(false);
    expect(test('*aa*ab*', key)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('KeyMatcher', () => {
  it('should match the default secret keys and not their exceptions', () => {
    const m = new KeyMatcher(SECRET_KEY_GLOBS, SECRET_KEY_EXCEPTIONS);
    for (const k of [
      'password',
      'user.passwd',
      'PWD',
      'client_secret',
      'aws_secret_access_key',
      'access_token',
      'Authorization',
      'http.request.header.authorization',
      'cookie',
      'http.response.header.set-cookie',
      'api_key',
      'apiKey',
      'X-Api-Key',
      'private_key',
      'privateKey',
      'credentials',
    ]) {
      expect(m.matches(k), k).toBe(true);
    }
    for (const k of [
      'user.id',
      'order.id',
      'gen_ai.usage.input_tokens',
      'max_tokens',
      'token_count',
      'http.route',
      'author',
      'path',
    ]) {
      expect(m.matches(k), k).toBe(false);
    }
  });

  it('should answer the same from its cache as on first sight', () => {
    const m = new KeyMatcher(['*secret*']);
    expect(m.matches('MySecret')).toBe(true);
    expect(m.matches('MySecret')).toBe(true);
    expect(m.matches('public')).toBe(false);
    expect(m.matches('public')).toBe(false);
  });

  it('should match nothing when empty', () => {
    const m = new KeyMatcher([]);
    expect(m.empty).toBe(true);
    expect(m.matches('password')).toBe(false);
  });
});
