import { describe, expect, test } from 'vitest';
import type { PreparedRequest } from './build-request.js';
import { nextLink } from './pagination.js';
import { redirectRequest } from './redirects.js';

const post: PreparedRequest = {
  method: 'POST',
  url: 'https://api.example/a/b',
  headers: {
    Authorization: 'Bearer x',
    'X-Key': 'k',
    'Content-Type': 'application/json',
    Accept: '*/*',
  },
  body: '{"n":1}',
};
const follow = (status: number, location: string, request = post) =>
  redirectRequest({ request, status, location, originalUrl: post.url, secretHeaders: ['X-Key'] });

describe('redirectRequest', () => {
  test.each([
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'HEAD', 'HEAD', false],
    [303, 'PUT', 'GET', false],
    [301, 'PUT', 'PUT', true],
    [307, 'POST', 'POST', true],
    [308, 'PATCH', 'PATCH', true],
  ])('%i after %s is %s (body kept: %s)', (status, method, expected, keepsBody) => {
    const next = follow(status, '/c', { ...post, method });
    expect(next.method).toBe(expected);
    expect(next.body).toBe(keepsBody ? post.body : null);
    expect('Content-Type' in next.headers).toBe(keepsBody);
    expect(next.url).toBe('https://api.example/c');
  });

  test('same origin keeps credentials; another origin, scheme or port drops them', () => {
    expect(follow(307, 'https://api.example/z').headers).toMatchObject({
      Authorization: 'Bearer x',
      'X-Key': 'k',
    });
    for (const location of [
      'https://other.example/',
      'http://api.example/',
      'https://api.example:8443/',
    ]) {
      const { headers } = follow(307, location);
      expect(headers, location).toEqual({ 'Content-Type': 'application/json', Accept: '*/*' });
    }
  });

  test.each(['ftp://api.example/x', 'file:///etc/passwd', 'http://[bad'])(
    'refuses Location %s',
    (location) => {
      expect(() => follow(302, location)).toThrow(
        expect.objectContaining({ code: 'HTTP_BAD_REDIRECT' }),
      );
    },
  );
});

describe('nextLink', () => {
  test.each([
    ['<https://a/x?page=2>; rel="next"', 'https://a/x?page=2'],
    [
      '<https://a/1>; rel="prev", <https://a/3>; rel="next", <https://a/9>; rel="last"',
      'https://a/3',
    ],
    ['<https://a/3>; rel=next', 'https://a/3'],
    ['<https://a/3>; rel="prefetch next"', 'https://a/3'],
    ['<https://a/9>; rel="last"', undefined],
    ['<https://a/9>; rel="nextpage"', undefined],
    [undefined, undefined],
  ])('%s -> %s', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
