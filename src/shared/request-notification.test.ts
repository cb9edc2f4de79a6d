import { describe, expect, it } from 'vitest';
import { NOTIFICATION_BODY_CHARS, requestNotification } from './request-notification';

describe('the notification for a waiting request', () => {
  it('names the bottle and shows the reason on one line', () => {
    expect(requestNotification('dev-abcde', { reason: 'needs jq\nto parse JSON' })).toEqual({
      title: 'dev-abcde needs approval',
      body: 'needs jq\\nto parse JSON',
    });
  });

  it('shows terminal escapes and bidi overrides escaped, never as they are', () => {
    const { body } = requestNotification('dev-abcde', { reason: 'ok \u001b]0;pwned\u0007 \u202eevil\u202c' });
    expect(body).toBe('ok \\x1b]0;pwned\\x07 \\u202eevil\\u202c');
    expect(body).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
  });

  it('cuts a long reason short, between characters', () => {
    const { body } = requestNotification('dev-abcde', { reason: '😀'.repeat(500) });
    expect(Array.from(body)).toHaveLength(NOTIFICATION_BODY_CHARS);
    expect(body).toBe('😀'.repeat(NOTIFICATION_BODY_CHARS));
  });
});
