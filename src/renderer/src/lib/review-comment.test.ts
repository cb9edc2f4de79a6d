import { describe, expect, it } from 'vitest';
import { reviewCommentText } from './review-comment';

describe('reviewCommentText', () => {
  it('names the file and line, and keeps the note on one line so the agent gets it whole', () => {
    expect(reviewCommentText('src/app.py', 28, '  say finished\n  as before ')).toBe(
      'Review comment on src/app.py:28: say finished as before',
    );
  });

  it('names only the file for a comment on the whole file', () => {
    expect(reviewCommentText('README.md', null, 'add a usage section')).toBe('Review comment on README.md: add a usage section');
  });
});
