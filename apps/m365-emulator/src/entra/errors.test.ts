import { describe, expect, it } from 'vitest';
import { Aadsts, aadErrorBody, timeSpan } from './errors.ts';
import { aadTimestamp, dotnetIso } from '../util/clock.ts';

describe('AADSTS error bodies', () => {
  it('formats the description with trace lines and the fields in wire order', () => {
    const body = aadErrorBody(
      Aadsts.refreshIdle('2024-01-01T00:00:00.0000000Z', '90.00:00:00'),
      'corr',
      Date.UTC(2024, 3, 1, 12, 0, 5),
      'trace',
    );
    expect(Object.keys(body)).toEqual([
      'error',
      'error_description',
      'error_codes',
      'timestamp',
      'trace_id',
      'correlation_id',
      'error_uri',
      'suberror',
    ]);
    expect(body.error_description).toBe(
      'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2024-01-01T00:00:00.0000000Z and was inactive for 90.00:00:00.\r\nTrace ID: trace\r\nCorrelation ID: corr\r\nTimestamp: 2024-04-01 12:00:05Z',
    );
    expect(body).toMatchObject({
      error: 'invalid_grant',
      error_codes: [700082],
      timestamp: '2024-04-01 12:00:05Z',
      suberror: 'bad_token',
    });
  });

  it('client errors are 401 invalid_client; no suberror key unless there is one', () => {
    const e = Aadsts.wrongSecret('app');
    expect([e.status, e.error, e.code]).toEqual([401, 'invalid_client', 7000215]);
    expect('suberror' in aadErrorBody(e, 'c', 0)).toBe(false);
  });

  it('time formats', () => {
    expect(timeSpan(90 * 86400)).toBe('90.00:00:00');
    expect(timeSpan(3725)).toBe('01:02:05');
    expect(aadTimestamp(Date.UTC(2021, 0, 31, 5, 56, 19, 123))).toBe('2021-01-31 05:56:19Z');
    expect(dotnetIso(Date.UTC(2021, 0, 5, 5, 9, 31, 597))).toBe('2021-01-05T05:09:31.5970000Z');
  });
});
